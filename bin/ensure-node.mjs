#!/usr/bin/env node
// Makes sure a Node.js that runs Verity is at hand (bootstrapping Node 24 when needed) and prints it.
import { spawnSync } from 'node:child_process';
import { resolveRuntime } from './node-runtime.mjs';

const [node, ...flags] = resolveRuntime();
const version = spawnSync(node, [...flags, '--version'], { encoding: 'utf8' }).stdout.trim();
process.stdout.write(`verity runs on node ${version} (${node})\n`);
