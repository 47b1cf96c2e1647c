// Issue 8 §4 "npm start": after processing the demo stream, the same process serves the console
// and prints its address and a one-time password for one demo user per role (new on every start:
// no fixed default password). `npm start -- --no-console` only processes (tests/e2e/npm-start.test.ts).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GroundTruth } from '../../pipelines/generate/index.ts';
import { ROLES } from '../../pipelines/stewardship/roles.ts';
import { scanForRawValues } from '../support/pii-scan.ts';
import { PROJECT_ROOT } from '../e2e/support.ts';
import { ApiClient } from './support.ts';

interface Started {
  url: string;
  passwords: Record<string, string>;
  stdout: () => string;
  stop: () => Promise<number | null>;
}

function npmStart(dataDir: string): Promise<Started> {
  const child = spawn(process.execPath, ['bin/run-node.mjs', 'pipelines/cli/start.ts'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, VERITY_DATA_DIR: dataDir, VERITY_CONSOLE_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no console after the demo run:\n${out.slice(-2000)}\n${err.slice(-2000)}`)), 240_000);
    void exited.then((code) => reject(new Error(`npm start exited with ${code}:\n${out.slice(-2000)}\n${err.slice(-2000)}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const url = /Stewards' console: (http:\/\/\S+)/.exec(out)?.[1];
      const passwords = Object.fromEntries([...out.matchAll(/^ {2}([a-z]+) +(demo-[a-z]+) +(\S+)$/gm)].map((m) => [m[2]!, m[3]!]));
      if (url && Object.keys(passwords).length === ROLES.length) {
        clearTimeout(timer);
        resolve({
          url,
          passwords,
          stdout: () => `${out}\n${err}`,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
  });
}

describe('npm start serves the console', () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'verity-start-console-')), 'data');

  it('prints its address and one-time demo sign-ins per role, new on every start; stops on SIGTERM', { timeout: 600_000 }, async () => {
    const first = await npmStart(dataDir);
    try {
      expect(Object.keys(first.passwords).sort()).toEqual(ROLES.map((r) => `demo-${r}`).sort());
      const steward = new ApiClient(first.url);
      expect((await steward.signIn('demo-steward', first.passwords['demo-steward'])).status).toBe(200);
      const queue = await steward.get('/api/issues?limit=5');
      expect(queue.status, queue.text).toBe(200);
      expect(queue.json.total).toBeGreaterThan(0);
      const analyst = new ApiClient(first.url);
      expect((await analyst.signIn('demo-analyst', first.passwords['demo-analyst'])).status).toBe(200);
      expect((await analyst.get('/api/issues')).status).toBe(403);
      const index = await fetch(first.url);
      expect(index.status).toBe(200);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const truth = JSON.parse(readFileSync(join(dataDir, 'demo', 'stream.jsonl.truth.json'), 'utf8')) as GroundTruth;
    expect(scanForRawValues(first.stdout(), truth.rawValues as unknown as Record<string, string[]>)).toEqual([]);

    const second = await npmStart(dataDir);
    try {
      expect(second.passwords['demo-steward']).not.toBe(first.passwords['demo-steward']);
      expect((await new ApiClient(second.url).signIn('demo-steward', first.passwords['demo-steward'])).status).toBe(401);
      expect((await new ApiClient(second.url).signIn('demo-steward', second.passwords['demo-steward'])).status).toBe(200);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});
