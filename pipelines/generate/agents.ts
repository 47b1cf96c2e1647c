// Sales agents on the same stream (agent-change/v1). They are planned before any customer so that
// their contact data is known up front: clean customers never share an agent's phone or address,
// which would be a suspicious pattern needing its own injected truth (patterns.ts injects those).
import type { AgentChangeInput } from '../contract/customer-change.ts';
import type { Rng } from './rng.ts';
import type { IdentifierRegistry } from './identifiers.ts';
import type { PendingEvent } from './pending.ts';
import type { TruthRecorder } from './truth.ts';
import type { Region } from './data/regions.ts';
import { newAddress, newStyledMobile, type BuildContext } from './records.ts';
import { personName, pickRegion } from './persona.ts';
import { recordSensitiveValues } from './raw-values.ts';
import { agentFacts } from './pattern-facts.ts';
import { DAY_MS, formatInstant } from './time.ts';

export type AgentImage = NonNullable<AgentChangeInput['agent']>;

/** About one agent per 40 customers, between 10 and 300: a few hundred agent events at scale. */
export function agentCountFor(customers: number): number {
  return Math.min(300, Math.max(10, Math.round(customers / 40)));
}

export function agentId(index: number): string {
  return `A${String(index + 1).padStart(4, '0')}`;
}

/** An agent as it stands after its last planned event, and where it lives. */
export interface AgentRecord {
  readonly image: AgentImage;
  readonly region: Region;
}

export interface AgentPlan {
  readonly agentIds: readonly string[];
  readonly events: readonly PendingEvent[];
  /** When the last agent create is written: customers start after it. */
  readonly createsEndAt: number;
  /** Each agent's last image: a customer reusing one of its values keeps matching to the end. */
  readonly finalRecords: ReadonlyMap<string, AgentRecord>;
}

export const AGENT_CREATE_SPACING_MS = 15_000;

/** Reserves an agent's address: clean customers never draw it. */
export function reserveAddress(ctx: BuildContext & { readonly reservedAddresses: Set<string> }, address: string): string {
  ctx.reservedAddresses.add(address);
  return address;
}

/** A fresh agent with `minRelatives`–2 relatives, all with unique mobiles and reserved addresses. */
export function newAgentImage(ctx: BuildContext & { readonly reservedAddresses: Set<string> }, region: Region, minRelatives = 0): AgentImage {
  const { rng } = ctx;
  const agent: AgentImage = {
    name: personName(rng, rng.chance(0.5) ? 'M' : 'F').name,
    mobile: newStyledMobile(ctx),
    address: reserveAddress(ctx, newAddress(ctx, region, false)),
  };
  const relatives = rng.int(minRelatives, 2);
  if (relatives > 0) {
    agent.relatives = [];
    for (let r = 0; r < relatives; r++) {
      agent.relatives.push({ mobile: newStyledMobile(ctx), address: reserveAddress(ctx, newAddress(ctx, region, false)) });
    }
  }
  return agent;
}

/**
 * An agent event, serialised now (the image keeps changing), its sensitive values recorded and its
 * contact data handed to the pattern truth. An agent's events are planned in time order.
 */
export function agentEvent(
  truth: TruthRecorder,
  time: number,
  order: number,
  id: string,
  op: 'create' | 'update',
  agent: AgentImage,
): PendingEvent {
  const body = { source: 'crm', op, occurredAt: formatInstant(time), agentId: id, agent };
  recordSensitiveValues(truth, body);
  truth.patterns.agent(agentFacts(id, agent));
  return { time, order, schema: 'agent-change/v1', source: 'crm', tail: `,${JSON.stringify(body).slice(1)}` };
}

export function planAgents(
  rng: Rng,
  registry: IdentifierRegistry,
  reservedAddresses: Set<string>,
  truth: TruthRecorder,
  count: number,
  startAt: number,
  spanMs: number,
  nextOrder: () => number,
): AgentPlan {
  const ctx = { rng, registry, reservedAddresses };
  const agentIds: string[] = [];
  const events: PendingEvent[] = [];
  const finalRecords = new Map<string, AgentRecord>();

  for (let i = 0; i < count; i++) {
    const id = agentId(i);
    agentIds.push(id);
    const region = pickRegion(rng);
    const agent = newAgentImage(ctx, region);
    const createdAt = startAt + i * AGENT_CREATE_SPACING_MS;
    events.push(agentEvent(truth, createdAt, nextOrder(), id, 'create', structuredClone(agent)));

    if (rng.chance(0.5)) {
      const updatedAt = createdAt + rng.int(1, Math.max(1, Math.floor(spanMs / DAY_MS))) * DAY_MS + rng.int(0, 86_399) * 1000;
      const change = rng.int(0, 2);
      if (change === 0) agent.mobile = newStyledMobile(ctx);
      else if (change === 1) agent.address = reserveAddress(ctx, newAddress(ctx, region, false));
      else agent.relatives = [...(agent.relatives ?? []), { mobile: newStyledMobile(ctx) }];
      events.push(agentEvent(truth, updatedAt, nextOrder(), id, 'update', agent));
    }
    finalRecords.set(id, { image: agent, region });
  }
  return { agentIds, events, createsEndAt: startAt + count * AGENT_CREATE_SPACING_MS, finalRecords };
}
