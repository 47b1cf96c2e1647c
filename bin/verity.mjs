#!/usr/bin/env node
// The `verity` command. Re-executes under a node that runs TypeScript when the current one cannot.
import { join } from 'node:path';
import { projectRoot, runUnderSuitableNode, typeScriptFlags } from './node-runtime.mjs';

const entry = join(projectRoot, 'pipelines', 'cli', 'main.ts');
if (typeScriptFlags(process.version)?.length === 0) {
  const { main, exitIfStillAlive } = await import(entry);
  process.exitCode = await main(process.argv.slice(2));
  exitIfStillAlive();
} else {
  runUnderSuitableNode(entry, process.argv.slice(2));
}
