// Agents whose whole history a scenario decides: a pool created with the other agents, each of
// which may later change its own phone (retracting its customers' findings), and agents first
// published after the customers that reuse their contact data. Their events are pushed while the
// customers are generated, always later than anything already written.
import type { Rng } from './rng.ts';
import type { IdentifierRegistry } from './identifiers.ts';
import type { PendingEvent } from './pending.ts';
import type { TruthRecorder } from './truth.ts';
import { AGENT_CREATE_SPACING_MS, agentEvent, agentId, newAgentImage, type AgentImage, type AgentRecord } from './agents.ts';
import { newStyledMobile } from './records.ts';
import { pickRegion } from './persona.ts';

export interface ScenarioAgent extends AgentRecord {
  readonly agentId: string;
  readonly image: AgentImage;
}

export interface AgentContext {
  readonly rng: Rng;
  readonly registry: IdentifierRegistry;
  readonly reservedAddresses: Set<string>;
}

export class ScenarioAgents {
  readonly #ctx: AgentContext;
  readonly #truth: TruthRecorder;
  readonly #push: (event: PendingEvent) => void;
  readonly #nextOrder: () => number;
  #nextIndex: number;
  readonly #pool: ScenarioAgent[] = [];
  readonly #ids = new Set<string>();

  constructor(ctx: AgentContext, truth: TruthRecorder, push: (event: PendingEvent) => void, nextOrder: () => number, firstIndex: number) {
    this.#ctx = ctx;
    this.#truth = truth;
    this.#push = push;
    this.#nextOrder = nextOrder;
    this.#nextIndex = firstIndex;
  }

  /** Creates `count` agents from `startAt`, spaced like the others; returns their ids and when the last is written. */
  createPool(count: number, startAt: number): { agentIds: string[]; createsEndAt: number } {
    const agentIds: string[] = [];
    for (let i = 0; i < count; i++) {
      const agent = this.#newAgent();
      this.#push(agentEvent(this.#truth, startAt + i * AGENT_CREATE_SPACING_MS, this.#nextOrder(), agent.agentId, 'create', structuredClone(agent.image)));
      this.#pool.push(agent);
      agentIds.push(agent.agentId);
    }
    return { agentIds, createsEndAt: startAt + count * AGENT_CREATE_SPACING_MS };
  }

  /** A pool agent no scenario has used yet. */
  takeFromPool(): ScenarioAgent | undefined {
    return this.#pool.shift();
  }

  get poolLeft(): number {
    return this.#pool.length;
  }

  /** Whether `id` is an agent this module controls (a customer reusing its contact would be unplanned). */
  controls(id: string): boolean {
    return this.#ids.has(id);
  }

  /** The agent's own mobile changes at `time`: an update carrying its whole image. */
  changeMobile(agent: ScenarioAgent, time: number): void {
    agent.image.mobile = newStyledMobile(this.#ctx);
    this.#push(agentEvent(this.#truth, time, this.#nextOrder(), agent.agentId, 'update', agent.image));
  }

  /** A new agent, with at least one relative, first published at `time`. */
  publishLate(time: number): ScenarioAgent {
    const agent = this.#newAgent(1);
    this.#push(agentEvent(this.#truth, time, this.#nextOrder(), agent.agentId, 'create', agent.image));
    return agent;
  }

  #newAgent(minRelatives = 0): ScenarioAgent {
    const id = agentId(this.#nextIndex++);
    this.#ids.add(id);
    const region = pickRegion(this.#ctx.rng);
    return { agentId: id, image: newAgentImage(this.#ctx, region, minRelatives), region };
  }
}
