// Decides which customers take part in which pattern scenario. Like the defect schedule, each
// scenario keeps pace with its rate from a random early start, so every scenario is under way
// within the first few dozen customers of any stream and keeps recurring in long ones. Later parts
// of an open scenario go to later eligible customers, a few customers apart.
import type { Rng } from './rng.ts';
import type { CustomerState } from './model.ts';
import type { AgentRecord } from './agents.ts';
import type { BuildContext } from './records.ts';
import type { ScenarioAgents } from './pattern-agents.ts';
import type { PatternTruth } from './pattern-truth.ts';
import type { CustomerScript } from './pattern-script.ts';
import { SCENARIOS, type Candidate, type Instance, type ScenarioKind, type ScenarioTools } from './pattern-scenarios.ts';

/** Instances of each scenario per customer: a few in a demo stream of 2000, some hundreds at a million. */
export const SCENARIO_RATE = 1 / 500;
/** Every scenario starts within this many customers (or as soon after as an eligible one comes). */
const FIRST_START_WITHIN = 60;
/** Chance that an eligible customer takes the next part of an open scenario: spreads the parts out. */
const JOIN_CHANCE = 0.5;

/** Agents to hold back for scenarios that change an agent's own phone: one per possible instance. */
export function scenarioAgentPoolFor(customers: number): number {
  return Math.floor(customers * SCENARIO_RATE) + 2;
}

interface OpenInstance extends Instance {
  readonly kind: ScenarioKind;
}

export interface PatternPlannerOptions {
  readonly ctx: BuildContext;
  readonly agents: ScenarioAgents;
  readonly regularAgents: ReadonlyMap<string, AgentRecord>;
  readonly horizon: number;
}

export class PatternPlanner {
  readonly #rng: Rng;
  readonly #truth: PatternTruth;
  readonly #tools: ScenarioTools;
  readonly #firstAt: number[];
  readonly #started: number[];
  readonly #open: OpenInstance[] = [];
  #seen = 0;

  constructor(options: PatternPlannerOptions, truth: PatternTruth) {
    this.#rng = options.ctx.rng;
    this.#truth = truth;
    const rotations = new Map<string, number>();
    this.#tools = {
      rng: options.ctx.rng,
      ctx: options.ctx,
      agents: options.agents,
      regularAgents: options.regularAgents,
      horizon: options.horizon,
      reusedAgentValues: new Set(),
      nextForm<T>(key: string, forms: readonly T[]): T {
        const next = rotations.get(key) ?? 0;
        rotations.set(key, next + 1);
        return forms[next % forms.length] as T;
      },
    };
    this.#firstAt = SCENARIOS.map(() => this.#rng.int(1, FIRST_START_WITHIN));
    this.#started = SCENARIOS.map(() => 0);
  }

  /**
   * The next customer, built but not yet given defects or a history: its part in a scenario, if
   * any (its create image is edited here), and the script the rest of its history must follow.
   */
  assign(state: CustomerState, createdAt: number): CustomerScript | undefined {
    this.#seen++;
    const candidate: Candidate = { state, createdAt };
    for (const instance of this.#open) {
      const part = instance.record.customers.length;
      if (!instance.kind.eligible(part, candidate, instance, this.#tools) || !this.#rng.chance(JOIN_CHANCE)) continue;
      return this.#take(instance, part, candidate);
    }
    // The longest overdue scenario this customer can start.
    let chosen = -1;
    let chosenSince = Infinity;
    for (let index = 0; index < SCENARIOS.length; index++) {
      const since = (this.#firstAt[index] ?? 0) + (this.#started[index] ?? 0) / SCENARIO_RATE;
      if (since > this.#seen || since >= chosenSince) continue;
      if (!(SCENARIOS[index] as ScenarioKind).eligible(0, candidate, undefined, this.#tools)) continue;
      chosen = index;
      chosenSince = since;
    }
    return chosen < 0 ? undefined : this.#take(this.#start(chosen), 0, candidate);
  }

  #start(index: number): OpenInstance {
    const kind = SCENARIOS[index] as ScenarioKind;
    const n = (this.#started[index] ?? 0) + 1;
    this.#started[index] = n;
    const record = { id: `${kind.name}#${n}`, scenario: kind.name, rule: kind.rule, customers: [], agents: [], expectedActive: [], complete: false };
    this.#truth.scenario(record);
    const instance: OpenInstance = { kind, record, value: '', bank: undefined, holderName: undefined, notBefore: -Infinity };
    this.#open.push(instance);
    return instance;
  }

  #take(instance: OpenInstance, part: number, candidate: Candidate): CustomerScript {
    const script = instance.kind.take(part, candidate, instance, this.#tools);
    instance.record.customers.push(candidate.state.profile.customerId);
    if (instance.record.customers.length === instance.kind.parts) {
      instance.record.complete = true;
      this.#open.splice(this.#open.indexOf(instance), 1);
    }
    return script;
  }
}
