// The four pattern rules (shared-mobile, shared-bank-account, agent-contact-reuse,
// frequent-mobile-change) on scripted scenarios, through the real pipeline: events produced to a
// real Kafka broker (customers on a 3-partition topic keyed by customer id, agents on a 2-partition
// topic of their own, so order across customers and across topics is the broker's, not the
// script's), `verity run --once` with its state on a real PostgreSQL server (a database of this
// file's own) and its analytics in an embedded store. The same scenarios run in memory in
// pipelines/quality/patterns/pattern-engine.test.ts.
//
// The stream comes in three phases, each produced and then consumed to the end by `verity run
// --once` in one consumer group: what a scenario needs to have happened before (a pair formed
// before it is broken, customers stored before their agent arrives) is in an earlier phase. After
// each phase the exact active findings per pattern rule (as customer tokens) are asserted, and the
// issues: opened, resolved as condition-cleared, withdrawn with a deleted customer, opened again.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PATTERN_RULE_IDS } from '../../pipelines/generate/index.ts';
import type { RunReport } from '../../pipelines/runtime/run-job.ts';
import { verity } from '../e2e/support.ts';
import { createTopic, describeKafka, uniqueTopic, useKafka } from '../support/kafka/use-kafka.ts';
import { createDatabase } from '../support/postgres/use-postgres.ts';
import { dumpState, dumpStore, type StateDump } from '../support/store-dump.ts';
import { customerTokens, EventScript, fakeCard, fakeMobile, holderRows, patternIssues, type PatternIssueRow } from './pattern-events.ts';
import { kafkaRunArgs, requirePostgres } from './support.ts';
import { PIPELINE_ACTIONS } from '../../pipelines/contract/issue.ts';

const KEY_HEX = '3c'.repeat(32);
const ENV = { VERITY_TOKEN_KEY: KEY_HEX };
const ct = customerTokens(KEY_HEX);

/** Full-width digits (U+FF10…), as an IME may type them. */
const fullWidth = (digits: string) => [...digits].map((d) => String.fromCharCode(0xff10 + Number(d))).join('');
const spaced = (m: string) => `${m.slice(0, 3)} ${m.slice(3, 7)} ${m.slice(7)}`;
const dashed = (m: string) => `${m.slice(0, 3)}-${m.slice(3, 7)}-${m.slice(7)}`;

const policyOf = (agentId: string, n: number) => ({ policyId: `P-PROOF-${n}`, role: 'policyholder', receivedAt: '2026-03-01', coolingOffDays: 15, agentId, channel: 'agency' });

type Expected = Record<(typeof PATTERN_RULE_IDS)[number], string[]>;

/** The pattern rules' active findings, by customer id, as the state store should hold them (tokens, sorted). */
function asTokens(expected: Expected): Record<string, string[]> {
  return Object.fromEntries(PATTERN_RULE_IDS.map((rule) => [rule, expected[rule].map(ct).sort()]));
}

function patternFindings(state: StateDump): Record<string, string[]> {
  return Object.fromEntries(PATTERN_RULE_IDS.map((rule) => [rule, state.activeFindings[rule] ?? []]));
}

describeKafka('the pattern rules on a real broker and a real PostgreSQL server', () => {
  const { brokers } = useKafka();
  const dir = mkdtempSync(join(tmpdir(), 'verity-patterns-'));
  const dataDir = join(dir, 'data');
  const topics = { customers: uniqueTopic('pat-customers'), agents: uniqueTopic('pat-agents') };
  const group = uniqueTopic('pat-group');
  const script = new EventScript(uniqueTopic('pp'));
  let stateUrl: string;
  let phase = 0;

  /** Produces what the script holds since the last phase and consumes it to the end. */
  async function runPhase(): Promise<{ report: RunReport; state: StateDump; issues: PatternIssueRow[]; changes: { issueId: string; change: string; version: number }[] }> {
    phase += 1;
    const file = script.flush(join(dir, `phase-${phase}.jsonl`));
    const produced = verity(['produce', '--input', file, '--kafka-brokers', brokers.join(','), '--topic', topics.customers, '--agent-topic', topics.agents]);
    expect(produced.status, produced.stderr).toBe(0);
    const reportFile = join(dir, `report-${phase}.json`);
    const run = verity(
      [...kafkaRunArgs({ brokers, group, topics, dataDir, batchSize: 4, partitionsConcurrency: 3 }), '--state', stateUrl, '--once', '--report', reportFile, '--log-level', 'warn'],
      ENV,
    );
    expect(run.status, run.stderr.slice(-5000)).toBe(0);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
    expect(report.deadLettered, 'every scripted event is valid').toBe(0);
    const state = await dumpState(stateUrl);
    const { issues, changes } = await patternIssues(dataDir);
    return { report, state, issues, changes };
  }

  /** The issues of (rule, customer id) in the mirror, oldest first (by the version-1 row's position). */
  const issuesOf = (issues: readonly PatternIssueRow[], rule: string, id: string) => issues.filter((i) => i.ruleId === rule && i.customerToken === ct(id));
  const statusOf = (issues: readonly PatternIssueRow[], rule: string, id: string) => issuesOf(issues, rule, id).map((i) => `${i.status}:${i.resolution}`).sort();

  beforeAll(async () => {
    stateUrl = await createDatabase(requirePostgres().url);
    await createTopic(brokers, topics.customers, 3);
    await createTopic(brokers, topics.agents, 2);
  });

  // ---- Phase 1: groups formed; agents and customers on their topics in no fixed order. ----
  const phase1: Expected = {
    'shared-mobile': ['PAIR-A', 'PAIR-B', 'TRI-A', 'TRI-B', 'TRI-C', 'UPD-A', 'UPD-B', 'DEL-A', 'DEL-B', 'REF-A', 'REF-B', 'FMT-1', 'FMT-2', 'FMT-3', 'FMT-4', 'FMT-5'],
    'shared-bank-account': ['BANK-A', 'BANK-B'],
    'agent-contact-reuse': ['REL-C', 'MOVE-C'],
    'frequent-mobile-change': ['FREQ-25'],
  };
  // ---- Phase 2: an update and a delete break pairs, one pair member moves away, agents arrive or move. ----
  const phase2: Expected = {
    'shared-mobile': ['PAIR-A', 'PAIR-B', 'TRI-A', 'TRI-B', 'TRI-C', 'FMT-1', 'FMT-2', 'FMT-3', 'FMT-4', 'FMT-5'],
    'shared-bank-account': ['BANK-A', 'BANK-B'],
    'agent-contact-reuse': ['REL-C', 'LATE-M', 'LATE-A', 'EARLY-C'],
    'frequent-mobile-change': ['FREQ-25'],
  };
  // ---- Phase 3: the broken group re-formed with a new member. ----
  const phase3: Expected = { ...phase2, 'shared-mobile': [...phase2['shared-mobile'], 'REF-B', 'REF-C'] };

  describe('in three phases, each consumed to the end', () => {
    let p1: Awaited<ReturnType<typeof runPhase>>;
    let p2: Awaited<ReturnType<typeof runPhase>>;
    let p3: Awaited<ReturnType<typeof runPhase>>;

    it('phase 1: pairs, a triple, formatting variants, shared own accounts, an agent\'s relative, frequent changes within 25 days but not 40', { timeout: 240_000 }, async () => {
      // shared-mobile
      script.customer('PAIR-A', 0, { mobile: fakeMobile(1) }).customer('PAIR-B', 1, { mobile: fakeMobile(1) });
      script.customer('TRI-A', 0, { mobile: fakeMobile(2) }).customer('TRI-B', 0, { mobile: fakeMobile(2) }).customer('TRI-C', 1, { mobile: fakeMobile(2) });
      script.customer('UPD-A', 0, { mobile: fakeMobile(3) }).customer('UPD-B', 0, { mobile: fakeMobile(3) });
      script.customer('DEL-A', 0, { mobile: fakeMobile(4) }).customer('DEL-B', 0, { mobile: fakeMobile(4) });
      script.customer('REF-A', 0, { mobile: fakeMobile(5) }).customer('REF-B', 0, { mobile: fakeMobile(5) });
      const m6 = fakeMobile(6);
      script
        .customer('FMT-1', 0, { mobile: `+86 ${spaced(m6)}` })
        .customer('FMT-2', 0, { mobile: `86${m6}` })
        .customer('FMT-3', 0, { mobile: spaced(m6) })
        .customer('FMT-4', 0, { mobile: dashed(m6) })
        .customer('FMT-5', 0, { mobile: fullWidth(m6) });
      // A distinct mobile that is one digit off is no match.
      script.customer('FMT-X', 0, { mobile: fakeMobile(60) });
      // shared-bank-account: own accounts in any grouping; a premium payer's account is not counted.
      const card = fakeCard(1);
      script
        .customer('BANK-A', 0, { mobile: fakeMobile(20), bankAccounts: [{ number: card }] })
        .customer('BANK-B', 1, { kind: 'organization', name: '样例科技有限公司', settlementAccount: { number: `${card.slice(0, 4)} ${card.slice(4, 8)} ${card.slice(8, 12)} ${card.slice(12)}`, authorized: true } })
        .customer('BANK-C', 1, { mobile: fakeMobile(21) }, { policyId: 'P-PROOF-90', role: 'policyholder', premiumAccount: { number: card, approved: false } });
      // agent-contact-reuse: customers first, their agent only in phase 2.
      script.customer('LATE-M', 0, { mobile: fakeMobile(7) }, policyOf('AG-LATE', 1));
      script.customer('LATE-A', 0, { mobile: fakeMobile(22), address: '样例省演示市测试路7号' }, policyOf('AG-LATE', 2));
      // The agent first, its customer only in phase 2.
      script.agent('AG-EARLY', 0, { mobile: fakeMobile(8), address: '样例省演示市测试路8号' });
      // A relative's phone, agent and customer in this phase on their two topics, in no fixed order.
      script.agent('AG-REL', 0, { mobile: fakeMobile(10), relatives: [{ mobile: fakeMobile(9) }] });
      script.customer('REL-C', 1, { mobile: fakeMobile(9) }, policyOf('AG-REL', 3));
      // An agent whose own phone is its customer's; it changes away in phase 2.
      script.agent('AG-MOVE', 0, { mobile: fakeMobile(11) });
      script.customer('MOVE-C', 1, { mobile: fakeMobile(11) }, policyOf('AG-MOVE', 4));
      // frequent-mobile-change: two changes 25 days apart hold, two changes 40 days apart do not.
      script.customer('FREQ-25', 0, { mobile: fakeMobile(13) }).customer('FREQ-25', 2, { mobile: fakeMobile(14) }).customer('FREQ-25', 27, { mobile: fakeMobile(15) });
      script.customer('FREQ-40', 0, { mobile: fakeMobile(16) }).customer('FREQ-40', 2, { mobile: fakeMobile(17) }).customer('FREQ-40', 42, { mobile: fakeMobile(18) });
      // A format change is no change.
      script.customer('FREQ-FMT', 0, { mobile: fakeMobile(19) }).customer('FREQ-FMT', 3, { mobile: dashed(fakeMobile(19)) }).customer('FREQ-FMT', 6, { mobile: `+86${fakeMobile(19)}` });

      p1 = await runPhase();
      expect(patternFindings(p1.state)).toEqual(asTokens(phase1));
      for (const rule of PATTERN_RULE_IDS) expect(p1.report.activeFindings[rule], rule).toBe(phase1[rule].length);
      // Exactly one open issue per active pattern finding, in the state store and in the mirror.
      const openInState = p1.state.openIssues.map((r) => r.split('|')).filter(([, rule]) => (PATTERN_RULE_IDS as readonly string[]).includes(rule!));
      expect(openInState.map(([, rule, token]) => `${rule}|${token}`).sort()).toEqual(
        PATTERN_RULE_IDS.flatMap((rule) => phase1[rule].map((id) => `${rule}|${ct(id)}`)).sort(),
      );
      expect(p1.issues.filter((i) => i.status === 'open').map((i) => `${i.ruleId}|${i.customerToken}`).sort()).toEqual(
        openInState.map(([, rule, token]) => `${rule}|${token}`).sort(),
      );
      expect(p1.issues.filter((i) => i.status !== 'open'), 'nothing resolved yet').toEqual([]);
      // The triple's holders: three rows under one value key (the formatting variants likewise five).
      const holders = await holderRows(stateUrl);
      const byValue = new Map<string, number>();
      for (const row of holders) byValue.set(row.split('|')[0]!, (byValue.get(row.split('|')[0]!) ?? 0) + 1);
      expect([...byValue.values()].filter((n) => n > 1).sort()).toEqual([2, 2, 2, 2, 2, 3, 5]);
    });

    it('phase 2: a pair broken by an update and by a delete, a member moving away, an agent arriving after its customers, before one, and moving its own phone away', { timeout: 240_000 }, async () => {
      expect(p1, 'phase 1 ran').toBeDefined();
      script.customer('UPD-A', 10, { mobile: fakeMobile(31) });
      script.customer('DEL-A', 10, null);
      script.customer('REF-A', 10, { mobile: fakeMobile(51) });
      // The agent arrives after its customers: its own mobile is LATE-M's, its address LATE-A's (spaced, full-width).
      script.agent('AG-LATE', 10, { mobile: fakeMobile(7), address: `样例省演示市测试路 ${fullWidth('7')} 号` });
      script.customer('EARLY-C', 10, { mobile: fakeMobile(8) }, policyOf('AG-EARLY', 5));
      script.agent('AG-MOVE', 10, { mobile: fakeMobile(12) });

      p2 = await runPhase();
      expect(patternFindings(p2.state)).toEqual(asTokens(phase2));
      const sm = 'shared-mobile';
      // Broken by an update: both issues resolved as condition-cleared.
      for (const id of ['UPD-A', 'UPD-B', 'REF-A', 'REF-B']) expect(statusOf(p2.issues, sm, id), id).toEqual(['resolved:condition-cleared']);
      // Broken by a delete: the deleted customer's issue withdrawn, the other's resolved as condition-cleared.
      expect(statusOf(p2.issues, sm, 'DEL-A')).toEqual(['withdrawn:customer-deleted']);
      expect(statusOf(p2.issues, sm, 'DEL-B')).toEqual(['resolved:condition-cleared']);
      // The agent's own phone changed away: its customer's finding retracted.
      expect(statusOf(p2.issues, 'agent-contact-reuse', 'MOVE-C')).toEqual(['resolved:condition-cleared']);
      for (const id of ['LATE-M', 'LATE-A', 'EARLY-C', 'REL-C']) expect(statusOf(p2.issues, 'agent-contact-reuse', id), id).toEqual(['open:']);
      // Each retraction is one `resolved` row in issue_events, after its `opened` row (the SLA clock
      // may have raised notices in between: the scripted events are months old).
      const resolvedIds = new Set(p2.issues.filter((i) => i.resolution === 'condition-cleared').map((i) => i.issueId));
      expect(resolvedIds.size).toBe(6);
      for (const id of resolvedIds) {
        const changes = p2.changes.filter((c) => c.issueId === id).sort((x, y) => x.version - y.version);
        expect(changes.filter((c) => (PIPELINE_ACTIONS as readonly string[]).includes(c.change)).map((c) => c.change), id).toEqual(['opened', 'resolved']);
        expect(changes[0], id).toMatchObject({ change: 'opened', version: 1 });
        expect(changes.at(-1)!.change, id).toBe('resolved');
        expect(new Set(changes.map((c) => c.version)).size, id).toBe(changes.length);
      }
      // Still one open issue per active finding, and nothing else open.
      expect(p2.issues.filter((i) => i.status === 'open').map((i) => `${i.ruleId}|${i.customerToken}`).sort()).toEqual(
        PATTERN_RULE_IDS.flatMap((rule) => phase2[rule].map((id) => `${rule}|${ct(id)}`)).sort(),
      );
      // The deleted customer holds nothing; the one who moved away holds only the new value.
      const holders = await holderRows(stateUrl);
      expect(holders.filter((r) => r.includes(`|${ct('DEL-A')}|`))).toEqual([]);
      expect(holders.filter((r) => r.includes(`|${ct('REF-A')}|`))).toHaveLength(1);
    });

    it('phase 3: the group re-formed with a new member opens an issue again', { timeout: 240_000 }, async () => {
      expect(p2, 'phase 2 ran').toBeDefined();
      script.customer('REF-C', 20, { mobile: dashed(fakeMobile(5)) });
      p3 = await runPhase();
      expect(patternFindings(p3.state)).toEqual(asTokens(phase3));
      const sm = 'shared-mobile';
      // REF-B: its first issue stays resolved, a new one is open; REF-A (moved away) none new.
      expect(statusOf(p3.issues, sm, 'REF-B')).toEqual(['open:', 'resolved:condition-cleared']);
      const [first, again] = [issuesOf(p2.issues, sm, 'REF-B')[0]!, issuesOf(p3.issues, sm, 'REF-B').find((i) => i.status === 'open')!];
      expect(again.issueId).not.toBe(first.issueId);
      expect(statusOf(p3.issues, sm, 'REF-C')).toEqual(['open:']);
      expect(statusOf(p3.issues, sm, 'REF-A')).toEqual(['resolved:condition-cleared']);
      expect(p3.issues.filter((i) => i.status === 'open').map((i) => `${i.ruleId}|${i.customerToken}`).sort()).toEqual(
        PATTERN_RULE_IDS.flatMap((rule) => phase3[rule].map((id) => `${rule}|${ct(id)}`)).sort(),
      );
      // The state store and the mirror agree on every pattern issue's status and version.
      const stateOpen = p3.state.activeIssueVersions.filter((r) => (PATTERN_RULE_IDS as readonly string[]).includes(r.split('|')[1]!)).sort();
      expect(p3.issues.filter((i) => i.status === 'open').map((i) => `${i.issueId}|${i.ruleId}|${i.customerToken}|${i.version}`).sort()).toEqual(stateOpen);
      // Tokens and masks only: no mobile, card or customer id the script wrote is in either store.
      const raw = [...Array.from({ length: 61 }, (_, n) => fakeMobile(n)), fakeCard(1), 'PAIR-A', 'REF-B', 'AG-LATE'];
      const texts = { state: p3.state.tables, store: (await dumpStore(dataDir)).tables };
      for (const [where, text] of Object.entries(texts)) {
        expect(text.length, where).toBeGreaterThan(1000);
        expect(raw.filter((value) => text.includes(value)), `raw values in the ${where}`).toEqual([]);
      }
    });
  });
});
