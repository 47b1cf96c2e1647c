// The generator proper: customers are created in time order, each with its whole history planned
// at creation (updates, defects, a rare delete, its part in a pattern scenario); a min-heap
// releases events in occurredAt order, and noise (duplicates, malformed lines) is mixed in as lines
// are written.
import { z } from 'zod';
import { Rng } from './rng.ts';
import { IdentifierRegistry } from './identifiers.ts';
import { DEFECTS, rewrittenBy, type Defect } from './defects.ts';
import { DefectSchedule } from './schedule.ts';
import {
  applyCleanUpdate,
  buildOrganization,
  addFax,
  buildPerson,
  pickUpdateKinds,
  sourceOfUpdate,
  type BuildContext,
  type PolicyTerms,
  type UpdateKind,
} from './records.ts';
import { agentCountFor, planAgents } from './agents.ts';
import { ScenarioAgents } from './pattern-agents.ts';
import { PatternPlanner, scenarioAgentPoolFor } from './patterns.ts';
import type { CustomerScript, Deletion, PlannedHistory, ScriptEdit } from './pattern-script.ts';
import { customerFacts, type CustomerFacts } from './pattern-facts.ts';
import { badLineFrom } from './bad-lines.ts';
import { PendingQueue, type PendingEvent } from './pending.ts';
import { recordSensitiveValues } from './raw-values.ts';
import { TruthRecorder, type GroundTruth } from './truth.ts';
import { CHANNELS } from './data/misc.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, addDays, formatInstant, parseInstant, shanghaiDate } from './time.ts';
import type { CustomerState, Role, RuleId, Source } from './model.ts';
import type { Region } from './data/regions.ts';

// Messages say what is allowed: they are what `verity generate` prints for a bad flag.
const CUSTOMERS = 'a whole number from 1 to 10000000';
const SEED = 'a whole number';
const RATE = 'a share from 0 to 0.5';

export const GenerateOptions = z.object({
  customers: z.number({ error: CUSTOMERS }).int({ error: CUSTOMERS }).min(1, { error: CUSTOMERS }).max(10_000_000, { error: CUSTOMERS }),
  seed: z.number({ error: SEED }).int({ error: SEED }).refine(Number.isSafeInteger, { error: SEED }),
  /**
   * First event time; everything else follows over about eleven weeks. The default lies in the
   * past and inside the years the PRC calendar data covers, so a generated stream passes the
   * event-time window (no event after the processing time) and every deadline is official.
   */
  startAt: z.iso.datetime({ offset: true, error: 'an ISO-8601 time with an offset, e.g. 2026-07-06T09:00:00+08:00' }).default('2026-07-06T09:00:00+08:00'),
  /** Share of malformed lines, relative to valid ones. */
  badLineRate: z.number({ error: RATE }).min(0, { error: RATE }).max(0.5, { error: RATE }).default(0.005),
  /** Share of valid lines re-delivered later, byte-identical. */
  duplicateRate: z.number({ error: RATE }).min(0, { error: RATE }).max(0.5, { error: RATE }).default(0.01),
});
export type GenerateOptions = z.input<typeof GenerateOptions>;
type ResolvedOptions = z.output<typeof GenerateOptions>;

/** Creates spread over eight weeks; histories end within about three more (by default: Jul – Sep 2026). */
const CREATE_SPAN_MS = 56 * DAY_MS;
const UPDATE_WINDOW_MS = 18 * DAY_MS;
const AGENT_SPAN_MS = 70 * DAY_MS;
const DELETE_SHARE = 0.012;
/** Updates per customer at most, scripted ones included: keeps a history to five events. */
const MAX_UPDATES = 3;
const ORGANIZATION_SHARE = 0.25;
const PERSONS_WITH_POLICY = 0.7;
/** Valid lines kept for re-delivery: redeliveries happen soon after the original. */
const RECENT_LINES = 256;

export interface GeneratedStream extends Iterable<string> {
  /** The ground truth; complete once the lines have been fully iterated (throws before). */
  readonly truth: GroundTruth;
}

/** A deterministic stream of JSON lines (without newline) for `options`; iterable once. */
export function generateStream(options: GenerateOptions): GeneratedStream {
  const resolved = GenerateOptions.parse(options);
  let truth: GroundTruth | undefined;
  let started = false;
  return {
    get truth(): GroundTruth {
      if (!truth) throw new Error('the ground truth is complete only after the stream has been read to the end');
      return truth;
    },
    *[Symbol.iterator]() {
      if (started) throw new Error('a generated stream can be iterated only once');
      started = true;
      truth = yield* run(resolved);
    },
  };
}

interface PolicyGroup {
  readonly terms: PolicyTerms;
  /** Where the policyholder lives; most family members live there too. */
  readonly region: Region;
  readonly roles: Role[];
}

function* run(options: ResolvedOptions): Generator<string, GroundTruth> {
  const root = new Rng(options.seed);
  const customerRng = root.fork();
  const agentRng = root.fork();
  const noiseRng = root.fork();
  const scheduleRng = root.fork();
  // Fields added to the generator later draw from here, so the records it made before keep every
  // other byte (a stream for a given seed stays comparable across versions).
  const extraRng = root.fork();
  const patternRng = root.fork();

  const truth = new TruthRecorder();
  const registry = new IdentifierRegistry();
  const reservedAddresses = new Set<string>();
  const queue = new PendingQueue();
  let order = 0;
  const nextOrder = () => order++;

  const startAt = parseInstant(options.startAt);
  const agents = planAgents(
    agentRng,
    registry,
    reservedAddresses,
    truth,
    agentCountFor(options.customers),
    startAt,
    AGENT_SPAN_MS,
    nextOrder,
  );
  for (const event of agents.events) queue.push(event);
  const patternCtx = { rng: patternRng, registry, reservedAddresses };
  const scenarioAgents = new ScenarioAgents(patternCtx, truth, (event) => queue.push(event), nextOrder, agents.agentIds.length);
  const pool = scenarioAgents.createPool(scenarioAgentPoolFor(options.customers), agents.createsEndAt);
  // Pool agents take ordinary customers too; agents published late do not exist yet.
  const agentIds = [...agents.agentIds, ...pool.agentIds];

  const ctx: BuildContext = { rng: customerRng, registry, reservedAddresses };
  const schedule = new DefectSchedule(DEFECTS, scheduleRng);
  const emitter = new Emitter(truth, noiseRng, options);
  const idWidth = Math.max(6, String(options.customers).length);
  const firstCreate = pool.createsEndAt + MINUTE_MS;
  const patterns = new PatternPlanner(
    { ctx: patternCtx, agents: scenarioAgents, regularAgents: agents.finalRecords, horizon: firstCreate + CREATE_SPAN_MS + UPDATE_WINDOW_MS },
    truth.patterns,
  );
  const slotSeconds = CREATE_SPAN_MS / 1000 / options.customers;
  let group: PolicyGroup | undefined;
  let policySeq = 0;

  for (let i = 0; i < options.customers; i++) {
    const customerId = `C${String(i + 1).padStart(idWidth, '0')}`;
    const createdAt = firstCreate + Math.floor((i + customerRng.int(0, 999) / 1000) * slotSeconds) * 1000;
    const createdOn = shanghaiDate(createdAt);

    let state: CustomerState;
    if (customerRng.chance(ORGANIZATION_SHARE)) {
      state = buildOrganization(ctx, customerId);
      addFax(extraRng, state);
    } else if (customerRng.chance(PERSONS_WITH_POLICY)) {
      if (!group || group.roles.length === 0) {
        const receivedAt = addDays(createdOn, -customerRng.int(1, 5));
        const terms: PolicyTerms = {
          policyId: `P${receivedAt.slice(0, 4)}-${String(++policySeq).padStart(6, '0')}`,
          receivedAt,
          agentId: customerRng.pick(agentIds),
          channel: customerRng.pick(CHANNELS),
        };
        const members = customerRng.weighted<Role[]>([
          [[], 30],
          [['insured'], 35],
          [['insured', 'beneficiary'], 20],
          [['beneficiary'], 15],
        ]);
        state = buildPerson(ctx, customerId, createdOn, { terms, role: 'policyholder' });
        group = { terms, region: state.profile.region, roles: [...members] };
      } else {
        const role = group.roles.shift() as Role;
        state = buildPerson(ctx, customerId, createdOn, { terms: group.terms, role, familyRegion: group.region });
      }
    } else {
      state = buildPerson(ctx, customerId, createdOn, undefined);
    }

    const script = patterns.assign(state, createdAt);
    // A scenario may pin a new policy to an agent of its own: the rest of the family follows.
    if (script?.policyAgentId !== undefined && group && state.profile.role === 'policyholder') {
      group = { ...group, terms: { ...group.terms, agentId: script.policyAgentId } };
    }
    const planned = planHistory(ctx, state, schedule.next(state, script?.protectedParts), createdAt, truth, queue, nextOrder, script);
    script?.onPlanned?.(planned);

    while ((queue.peek()?.time ?? Infinity) <= createdAt) yield* emitter.emit(queue.pop() as PendingEvent);
  }
  while (queue.size > 0) yield* emitter.emit(queue.pop() as PendingEvent);

  return truth.finish({
    seed: options.seed,
    customers: options.customers,
    startAt: options.startAt,
    badLineRate: options.badLineRate,
    duplicateRate: options.duplicateRate,
  });
}

/** Times of a customer's updates: strictly after the create and after each other. */
function updateTimes(ctx: BuildContext, createdAt: number, count: number): number[] {
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) offsets.push(ctx.rng.int(2 * 3600, UPDATE_WINDOW_MS / 1000));
  offsets.sort((a, b) => a - b);
  const times: number[] = [];
  let previous = createdAt;
  for (const offset of offsets) {
    const time = Math.max(createdAt + offset * 1000, previous + HOUR_MS);
    times.push(time);
    previous = time;
  }
  return times;
}

/** A planned update: a random clean one of `kind`, or a scenario's scripted edit. */
type PlannedUpdate = { readonly time: number; readonly kind: UpdateKind } | { readonly time: number; readonly edit: ScriptEdit };

/** Random updates and a scenario's scripted ones, in time order and at least a minute apart. */
function mergeUpdates(randomTimes: readonly number[], kinds: readonly UpdateKind[], scripted: readonly ScriptEdit[]): PlannedUpdate[] {
  const merged: PlannedUpdate[] = [
    ...randomTimes.map((time, i) => ({ time, kind: kinds[i] ?? 'tier' })),
    ...scripted.map((edit) => ({ time: edit.time, edit })),
  ].sort((a, b) => a.time - b.time);
  // Two updates of one customer at the same instant would leave "the latest" up to arrival order.
  let previous = -Infinity;
  return merged.map((update) => {
    const time = Math.max(update.time, previous + MINUTE_MS);
    previous = time;
    return { ...update, time };
  });
}

/**
 * Plans every event of one customer, applies its defects and its scenario's script, and records
 * them in the truth. Returns when its history ends, for scenarios waiting on it.
 */
function planHistory(
  ctx: BuildContext,
  state: CustomerState,
  defects: readonly Defect[],
  createdAt: number,
  truth: TruthRecorder,
  queue: PendingQueue,
  nextOrder: () => number,
  script: CustomerScript | undefined,
): PlannedHistory {
  const { rng } = ctx;
  const drawn = rng.weighted<number>([[0, 40], [1, 30], [2, 20], [3, 10]]);
  const scripted = script?.updates ?? [];
  const random = Math.min(drawn, MAX_UPDATES - scripted.length);
  const kinds = pickUpdateKinds(rng, state, random, script?.forbiddenUpdates);
  const planned = mergeUpdates(updateTimes(ctx, createdAt, random), kinds, scripted);
  const updates = planned.length;
  const times = [createdAt, ...planned.map((u) => u.time)];
  // A defect is carried from the create on, or first appears in a later update.
  const steps = defects.map(() => (updates > 0 && rng.chance(0.4) ? rng.int(1, updates) : 0));
  const { customerId } = state.profile;
  const fromScenario = script?.createDefects ?? [];
  for (const defect of [...defects, ...fromScenario]) truth.injected(customerId, defect.id, defect.rules);
  // Defects in the record now: each stays until a clean update writes its part again.
  const present = new Set<Defect>(fromScenario);
  const written: CustomerFacts[] = [];
  let lastTrips: RuleId[] = [];

  for (let step = 0; step <= updates; step++) {
    const time = times[step] as number;
    let source: Source = state.profile.source;
    const update = planned[step - 1];
    if (update) {
      if ('edit' in update) {
        update.edit.apply(state);
      } else {
        applyCleanUpdate(ctx, state, update.kind);
        for (const defect of present) if (rewrittenBy(defect, update.kind)) present.delete(defect);
      }
      source = sourceOfUpdate(rng, state.profile);
    }
    defects.forEach((defect, index) => {
      if (steps[index] !== step) return;
      defect.apply(state, { ...ctx, eventDate: shanghaiDate(time) });
      present.add(defect);
    });
    const tripped = new Set<RuleId>();
    const atIssueLevel = new Set<RuleId>();
    for (const defect of present) {
      for (const rule of defect.rules) {
        tripped.add(rule);
        if (!defect.belowIssueThreshold.includes(rule)) atIssueLevel.add(rule);
      }
    }
    truth.issues.event(customerId, { tripped, atIssueLevel });
    const op = step === 0 ? 'create' : 'update';
    const body: Record<string, unknown> = {
      source,
      op,
      occurredAt: formatInstant(time),
      customerId,
      customer: state.customer,
    };
    if (state.policy) body.policy = state.policy;
    recordSensitiveValues(truth, body);
    written.push(customerFacts(customerId, time, state.customer, state.policy));
    lastTrips = [...tripped];
    queue.push(customerEvent(time, nextOrder(), source, body, lastTrips));
  }

  const lastEventAt = times[times.length - 1] as number;
  const deletedAt = deletionTime(rng, lastEventAt, script?.deletion ?? 'random');
  if (deletedAt !== undefined) {
    const body = { source: state.profile.source, op: 'delete', occurredAt: formatInstant(deletedAt), customerId };
    truth.issues.deleted(customerId);
    queue.push(customerEvent(deletedAt, nextOrder(), state.profile.source, body, []));
  }
  truth.patterns.customer(written, deletedAt !== undefined);
  truth.customerFinal(customerId, deletedAt === undefined ? lastTrips : undefined);
  return { lastEventAt, deletedAt };
}

function deletionTime(rng: Rng, lastEventAt: number, deletion: Deletion): number | undefined {
  if (deletion === 'never') return undefined;
  if (deletion === 'random') {
    if (!rng.chance(DELETE_SHARE)) return undefined;
    return lastEventAt + rng.int(1, 5) * DAY_MS + rng.int(0, 86_399) * 1000;
  }
  return Math.max(deletion.notBefore, lastEventAt + HOUR_MS) + rng.int(0, 3_599) * 1000;
}

function customerEvent(
  time: number,
  order: number,
  source: Source,
  body: Record<string, unknown>,
  rules: readonly RuleId[],
): PendingEvent {
  // Serialised now: the state object keeps changing for later events of the same customer.
  return { time, order, schema: 'customer-change/v1', source, tail: `,${JSON.stringify(body).slice(1)}`, rules };
}

/** Writes released events with their eventIds, and mixes in duplicates and malformed lines. */
class Emitter {
  readonly #truth: TruthRecorder;
  readonly #rng: Rng;
  readonly #options: ResolvedOptions;
  readonly #sequence = new Map<Source, number>();
  /** Ring buffer of the latest valid lines. */
  readonly #recent: string[] = [];
  #recentNext = 0;

  constructor(truth: TruthRecorder, rng: Rng, options: ResolvedOptions) {
    this.#truth = truth;
    this.#rng = rng;
    this.#options = options;
  }

  #nextEventId(source: Source): string {
    const seq = (this.#sequence.get(source) ?? 0) + 1;
    this.#sequence.set(source, seq);
    return `${source}-${String(seq).padStart(9, '0')}`;
  }

  *emit(event: PendingEvent): Generator<string> {
    const truth = this.#truth;
    const eventId = this.#nextEventId(event.source);
    const line = `{"schema":"${event.schema}","eventId":"${eventId}"${event.tail}`;
    truth.lines++;
    if (event.rules) truth.eventTrips(eventId, event.rules);
    if (event.schema === 'customer-change/v1') truth.distinctCustomerEvents++;
    else truth.distinctAgentEvents++;
    yield line;

    const recent = this.#recent;
    recent[this.#recentNext] = line;
    this.#recentNext = (this.#recentNext + 1) % RECENT_LINES;

    if (this.#rng.chance(this.#options.duplicateRate)) {
      truth.lines++;
      truth.duplicateLines++;
      yield this.#rng.pick(recent);
    }
    if (this.#rng.chance(this.#options.badLineRate)) {
      const bad = badLineFrom(this.#rng, JSON.parse(line) as Record<string, unknown>, this.#nextEventId(event.source));
      truth.lines++;
      truth.deadLetter(bad.reason);
      yield bad.line;
    }
  }
}

