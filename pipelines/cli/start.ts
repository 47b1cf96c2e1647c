// `npm start`: the main job on embedded defaults. Generates a demo stream on first use, runs the
// pipeline over it into the local chDB store, and prints a summary a person can read. Then it
// serves the stewards' console over the same stores, with a one-time password for one demo user
// per role (new ones on every start: there is no default password); `npm start -- --no-console`
// stops after the summary.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createStoreClient } from '../../connectors/clickhouse/store-client.ts';
import { DEFAULTS } from '../config/defaults.ts';
import { ENV } from '../config/run-settings.ts';
import { writeGeneratedStream } from '../generate/index.ts';
import { addUser, resetPassword } from '../console/auth/users.ts';
import { ROLES } from '../stewardship/roles.ts';
import { resolveConsoleFlags, serveConsole } from './commands/console.ts';
import { runWithFlags } from './commands/run.ts';
import { reportFailure } from './main.ts';
import { printSummary } from './summary.ts';

async function start(): Promise<void> {
  const args = process.argv.slice(2);
  const withConsole = !args.includes('--no-console');
  const dataDir = resolve(process.env[ENV.dataDir] || DEFAULTS.dataDir);
  let input = args.find((a) => !a.startsWith('--')) ?? process.env.VERITY_INPUT;
  if (!input) {
    input = resolve(dataDir, DEFAULTS.demoStream);
    if (!existsSync(input)) {
      process.stdout.write(`Generating a demo stream of ${DEFAULTS.demoCustomers} synthetic customers → ${input}\n`);
      await mkdir(dirname(input), { recursive: true });
      await writeGeneratedStream(input, { customers: DEFAULTS.demoCustomers, seed: DEFAULTS.demoSeed });
    }
  }
  process.stdout.write(`Processing ${input}\n`);
  const { report, config } = await runWithFlags({
    input,
    once: true,
    report: resolve(dataDir, 'demo', 'report.json'),
    logLevel: process.env[ENV.logLevel] || 'error',
  });
  const client = createStoreClient(config.store);
  try {
    await printSummary(report, client, config.database, process.stdout);
  } finally {
    await client.close();
  }
  process.stdout.write(`\nReport: ${resolve(dataDir, 'demo', 'report.json')}\n`);
  if (withConsole) await serveDemoConsole();
}

/** One demo user per role, each with a fresh one-time password, printed with the console's address. */
async function serveDemoConsole(): Promise<void> {
  await serveConsole({ logLevel: process.env[ENV.logLevel] || 'warn' }, resolveConsoleFlags({}, process.env), undefined, async (opened) => {
    const lines: string[] = [];
    for (const role of ROLES) {
      const username = `demo-${role}`;
      const exists = (await opened.sql.query(`SELECT 1 FROM verity.users WHERE username = $1`, [username])).length > 0;
      const { password } = exists ? await resetPassword(opened.sql, username) : await addUser(opened.sql, username, role);
      lines.push(`  ${role.padEnd(10)} ${username.padEnd(16)} ${password}`);
    }
    process.stdout.write(
      `\nStewards' console: ${opened.url}\nOne-time demo sign-ins (new on every start; Ctrl-C stops the console):\n  role       user             password\n${lines.join('\n')}\n`,
    );
  });
}

try {
  await start();
} catch (error) {
  process.exitCode = reportFailure(error);
}
