// Sales agents on the same stream (agent-change/v1). They are planned before any customer so that
// their contact data is known up front: clean customers never share an agent's phone or address,
// which would be a suspicious pattern needing its own injected truth.
import type { AgentChangeInput } from '../contract/customer-change.ts';
import type { Rng } from './rng.ts';
import type { IdentifierRegistry } from './identifiers.ts';
import type { PendingEvent } from './pending.ts';
import type { TruthRecorder } from './truth.ts';
import { newAddress, newStyledMobile, type BuildContext } from './records.ts';
import { personName, pickRegion } from './persona.ts';
import { recordSensitiveValues } from './raw-values.ts';
import { DAY_MS, formatInstant } from './time.ts';

type AgentImage = NonNullable<AgentChangeInput['agent']>;

/** About one agent per 40 customers, between 10 and 300: a few hundred agent events at scale. */
export function agentCountFor(customers: number): number {
  return Math.min(300, Math.max(10, Math.round(customers / 40)));
}

export function agentId(index: number): string {
  return `A${String(index + 1).padStart(4, '0')}`;
}

export interface AgentPlan {
  readonly agentIds: readonly string[];
  readonly events: readonly PendingEvent[];
  /** When the last agent create is written: customers start after it. */
  readonly createsEndAt: number;
}

const CREATE_SPACING_MS = 15_000;

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
  const ctx: BuildContext = { rng, registry, reservedAddresses };
  const reserve = (address: string) => {
    reservedAddresses.add(address);
    return address;
  };
  const agentIds: string[] = [];
  const events: PendingEvent[] = [];
  const pending = (time: number, id: string, op: 'create' | 'update', agent: AgentImage): PendingEvent => {
    const body = { source: 'crm', op, occurredAt: formatInstant(time), agentId: id, agent };
    recordSensitiveValues(truth, body);
    return {
      time,
      order: nextOrder(),
      schema: 'agent-change/v1',
      source: 'crm',
      tail: `,${JSON.stringify(body).slice(1)}`,
    };
  };

  for (let i = 0; i < count; i++) {
    const id = agentId(i);
    agentIds.push(id);
    const region = pickRegion(rng);
    const agent: AgentImage = {
      name: personName(rng, rng.chance(0.5) ? 'M' : 'F').name,
      mobile: newStyledMobile(ctx),
      address: reserve(newAddress(ctx, region, false)),
    };
    const relatives = rng.int(0, 2);
    if (relatives > 0) {
      agent.relatives = [];
      for (let r = 0; r < relatives; r++) {
        agent.relatives.push({ mobile: newStyledMobile(ctx), address: reserve(newAddress(ctx, region, false)) });
      }
    }
    const createdAt = startAt + i * CREATE_SPACING_MS;
    events.push(pending(createdAt, id, 'create', structuredClone(agent)));

    if (rng.chance(0.5)) {
      const updatedAt = createdAt + rng.int(1, Math.max(1, Math.floor(spanMs / DAY_MS))) * DAY_MS + rng.int(0, 86_399) * 1000;
      const change = rng.int(0, 2);
      if (change === 0) agent.mobile = newStyledMobile(ctx);
      else if (change === 1) agent.address = reserve(newAddress(ctx, region, false));
      else agent.relatives = [...(agent.relatives ?? []), { mobile: newStyledMobile(ctx) }];
      events.push(pending(updatedAt, id, 'update', agent));
    }
  }
  return { agentIds, events, createsEndAt: startAt + count * CREATE_SPACING_MS };
}
