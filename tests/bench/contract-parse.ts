// The event contract's parse alone: zod's safeParse against the compiled path in front of it
// (pipelines/contract/fast-parse.ts), over the same generated lines, in turns. It prints µs per
// event and the young-generation collections each made, a count of what they allocated that the
// machine's speed does not move (run it with a fixed young generation, as the launcher's is).
//
//   node bin/run-node.mjs tests/bench/contract-parse.ts [--customers 30000] [--seed S] [--rounds 3]
import { constants, PerformanceObserver, type NodeGCPerformanceDetail, type PerformanceEntry } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../../pipelines/config/defaults.ts';
import { ChangeEvent } from '../../pipelines/contract/customer-change.ts';
import { withFastPath } from '../../pipelines/contract/fast-parse.ts';
import { generatedStreamBytes } from './support.ts';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '30000' },
    seed: { type: 'string', default: String(DEFAULTS.demoSeed) },
    rounds: { type: 'string', default: '3' },
  },
});

const bytes = await generatedStreamBytes({ customers: Number(values.customers), seed: Number(values.seed) });
const parsed = bytes.toString('utf8').split('\n').flatMap((line) => {
  try {
    return [JSON.parse(line) as unknown];
  } catch {
    return []; // the stream's malformed lines never reach the contract
  }
});

let scavenges = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if ((entry as PerformanceEntry & { detail?: NodeGCPerformanceDetail }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges += 1;
});
observer.observe({ entryTypes: ['gc'] });

const ways = { zod: (v: unknown) => ChangeEvent.safeParse(v), compiled: withFastPath(ChangeEvent) };
const turn = async (parse: (v: unknown) => { success: boolean }) => {
  await new Promise((r) => setTimeout(r, 50)); // the observer's entries of the turn before
  scavenges = 0;
  let accepted = 0;
  const started = performance.now();
  for (const event of parsed) if (parse(event).success) accepted += 1;
  const micros = ((performance.now() - started) * 1000) / parsed.length;
  await new Promise((r) => setTimeout(r, 50));
  return { micros, scavenges, accepted };
};

// One turn each to warm up, then the rounds in turns.
for (const parse of Object.values(ways)) await turn(parse);
process.stdout.write(`contract parse over ${parsed.length.toLocaleString('en-US')} events (${values.customers} customers, seed ${values.seed}), node ${process.version}\n`);
for (let round = 1; round <= Number(values.rounds); round += 1) {
  for (const [name, parse] of Object.entries(ways)) {
    const r = await turn(parse);
    process.stdout.write(`round ${round}  ${name.padEnd(8)}  ${r.micros.toFixed(2).padStart(6)} µs/event  ${String(r.scavenges).padStart(4)} young collections  ${r.accepted} accepted\n`);
  }
}
observer.disconnect();
