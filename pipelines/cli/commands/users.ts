// `verity users add|disable|reset`: console users from the command line (the first admin, or a
// locked-out one). A password is generated and printed once, or read from standard input
// (--password-stdin); there is never a default password.
import type { Command } from 'commander';
import { openStateClient } from '../../../connectors/postgres/migrations.ts';
import type { SqlClient } from '../../../connectors/postgres/sql-client.ts';
import { Username } from '../../console/api-schemas.ts';
import { addUser, disableUser, resetPassword, UnknownUserError, UserExistsError } from '../../console/auth/users.ts';
import { resolveRunConfig } from '../../config/run-config.ts';
import { flagAttribute, helpOf, RUN_SETTINGS, type SettingKey } from '../../config/run-settings.ts';
import { ConfigError } from '../../errors.ts';
import { Role, ROLES } from '../../stewardship/roles.ts';

const STATE_KEYS: readonly SettingKey[] = ['state', 'dataDir'];
export const MIN_PASSWORD_LENGTH = 12;

async function withState<T>(given: Record<string, unknown>, work: (sql: SqlClient) => Promise<T>): Promise<T> {
  const flags: Record<string, string> = {};
  for (const key of STATE_KEYS) {
    const value = given[flagAttribute((RUN_SETTINGS[key] as { flag?: string }).flag!)];
    if (typeof value === 'string') flags[key] = value;
  }
  const config = await resolveRunConfig({ flags, env: process.env, configFile: typeof given['config'] === 'string' ? given['config'] : undefined, cwd: process.cwd() });
  const sql = await openStateClient(config.state);
  try {
    return await work(sql);
  } catch (error) {
    // An existing or unknown name is the command's usage problem: exit 2 with the message.
    if (error instanceof UserExistsError || error instanceof UnknownUserError) throw new ConfigError('<username>', error.message);
    throw error;
  } finally {
    await sql.close();
  }
}

async function readPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (password.length < MIN_PASSWORD_LENGTH) throw new ConfigError('--password-stdin', `the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  return password;
}

function username(value: string): string {
  const parsed = Username.safeParse(value);
  if (!parsed.success) throw new ConfigError('<username>', parsed.error.issues[0]!.message);
  return parsed.data;
}

function withStateOptions(command: Command): Command {
  for (const key of STATE_KEYS) command.option((RUN_SETTINGS[key] as { flag?: string }).flag!, helpOf(key));
  return command.option('--config <file>', 'YAML config file (its state and dataDir keys)');
}

export function registerUsers(program: Command): void {
  const users = program.command('users').description("manage the stewards' console users (in the operational store)");
  withStateOptions(
    users
      .command('add <username>')
      .description('add a user; prints a generated one-time password unless --password-stdin')
      .requiredOption('--role <role>', ROLES.join('|'))
      .option('--password-stdin', `read the password from standard input (at least ${MIN_PASSWORD_LENGTH} characters)`),
  ).action(async (name: string, given: Record<string, unknown>) => {
    const role = Role.safeParse(given['role']);
    if (!role.success) throw new ConfigError('--role', `one of ${ROLES.join(', ')}`);
    const user = username(name);
    const password = given['passwordStdin'] === true ? await readPassword() : undefined;
    const added = await withState(given, (sql) => addUser(sql, user, role.data, password));
    process.stdout.write(`added ${added.user.username} (${added.user.role})\n`);
    if (password === undefined) process.stdout.write(`one-time password: ${added.password}\n`);
  });
  withStateOptions(users.command('disable <username>').description('disable a user and end their sessions')).action(
    async (name: string, given: Record<string, unknown>) => {
      const user = await withState(given, (sql) => disableUser(sql, username(name)));
      process.stdout.write(`disabled ${user.username}\n`);
    },
  );
  withStateOptions(
    users
      .command('reset <username>')
      .description('set a new password (generated and printed unless --password-stdin), enable the user, end their sessions')
      .option('--password-stdin', `read the password from standard input (at least ${MIN_PASSWORD_LENGTH} characters)`),
  ).action(async (name: string, given: Record<string, unknown>) => {
    const password = given['passwordStdin'] === true ? await readPassword() : undefined;
    const reset = await withState(given, (sql) => resetPassword(sql, username(name), password));
    process.stdout.write(`reset ${reset.user.username} (${reset.user.role})\n`);
    if (password === undefined) process.stdout.write(`one-time password: ${reset.password}\n`);
  });
}
