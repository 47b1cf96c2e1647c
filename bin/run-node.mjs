#!/usr/bin/env node
// Used by the npm scripts: `node bin/run-node.mjs <script.ts|.mjs> [args…]`.
import { resolve } from 'node:path';
import { projectRoot, runUnderSuitableNode } from './node-runtime.mjs';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  process.stderr.write('usage: node bin/run-node.mjs <script> [args…]\n');
  process.exit(2);
}
runUnderSuitableNode(resolve(projectRoot, script), args);
