// A new embedded store's cluster, made by copying a template that initdb made once (real PGlite,
// real files): the copy is a working store that keeps its data; a copy cut short is made again;
// the template is made once even when two stores race for it; without a folder for the template,
// initdb runs in the store itself; the image's build step makes the template alone; the default
// template sits in the install's node_modules/.cache.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { CLUSTER_MARKER, defaultTemplateDir, hasCluster } from './cluster-files.ts';
import { createCluster, makeTemplate } from './pglite-cluster.ts';
import { createClusterApart } from './pglite-create.ts';
import { createSqlClient } from './sql-client.ts';
import { EXPECTED_ROWS, readSmokeRows, writeSmokeRows } from '../../tests/support/postgres/smoke-sql.ts';

/** Every file under `dir`, by its relative path, with the SHA-256 of its bytes. */
function filesOf(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, entry);
    if (statSync(path).isFile()) files.set(relative(dir, path), createHash('sha256').update(readFileSync(path)).digest('hex'));
  }
  return files;
}

/** A folder as the store's opener leaves it before the cluster is made: its lock file only. */
function newStoreFolder(root: string, name: string): string {
  const path = join(root, name);
  mkdirSync(path);
  writeFileSync(join(path, 'verity.lock'), String(process.pid));
  return path;
}

async function roundTrip(path: string): Promise<void> {
  const db = await PGlite.create(path);
  try {
    await writeSmokeRows(db);
  } finally {
    await db.close();
  }
  const reopened = await PGlite.create(path);
  try {
    expect(await readSmokeRows(reopened)).toEqual(EXPECTED_ROWS);
  } finally {
    await reopened.close();
  }
}

const scratchLeft = (templateDir: string) => readdirSync(join(templateDir, '..')).filter((e) => e.includes('.making-'));

describe('a new embedded store: a copy of the template initdb made once', { timeout: 180_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'verity-cluster-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('makes a store in a process of its own (the template too), whose memory is not the caller’s, and says why it could not', async () => {
    const templateDir = join(root, 'apart', 'pglite-test');
    const before = process.resourceUsage().maxRSS;
    const path = newStoreFolder(root, 'store-apart');
    expect(await createClusterApart(path, templateDir)).toBe('new-template');
    expect(hasCluster(templateDir)).toBe(true);
    // initdb's second PGlite peaks near 1.1 GB in whichever process runs it; the caller grew by far
    // less (first in this file: the tests after it run initdb in this process).
    expect(process.resourceUsage().maxRSS - before).toBeLessThan(100 * 1024);
    expect(await createClusterApart(newStoreFolder(root, 'store-apart-2'), templateDir)).toBe('template');
    await roundTrip(path);
    const blocker = join(root, 'apart-file');
    writeFileSync(blocker, 'not a folder');
    await expect(createClusterApart(join(blocker, 'store'), undefined)).rejects.toMatchObject({
      name: 'StoreError',
      code: 'STORE_UNAVAILABLE',
      message: expect.stringContaining(`making the embedded store in ${join(blocker, 'store')} failed`),
    });
  });

  it('makes the template with the first store, copies it for the next, and the copy is a working store', async () => {
    const templateDir = join(root, 'first', 'cache', 'pglite-test');
    const first = newStoreFolder(root, 'store-a');
    expect(await createCluster(first, templateDir)).toBe('new-template');
    expect(hasCluster(templateDir)).toBe(true);
    expect(scratchLeft(templateDir)).toEqual([]);

    const second = newStoreFolder(root, 'store-b');
    const before = statSync(join(templateDir, CLUSTER_MARKER)).mtimeMs;
    expect(await createCluster(second, templateDir)).toBe('template');
    expect(statSync(join(templateDir, CLUSTER_MARKER)).mtimeMs).toBe(before);
    const copied = filesOf(second);
    expect(readFileSync(join(second, 'verity.lock'), 'utf8')).toBe(String(process.pid));
    copied.delete('verity.lock');
    expect(copied).toEqual(filesOf(templateDir));
    expect(copied.size).toBeGreaterThan(500);

    await roundTrip(first);
    await roundTrip(second);
    // The template is not the store: the stores' rows are not in it.
    expect(await createCluster(newStoreFolder(root, 'store-c'), templateDir)).toBe('template');
    const fresh = await PGlite.create(join(root, 'store-c'));
    try {
      expect((await fresh.query(`SELECT to_regclass('public.smoke_issue') AS t`)).rows).toEqual([{ t: null }]);
    } finally {
      await fresh.close();
    }
  });

  it('copies again over a copy cut short (no marker yet), and the store opens', async () => {
    const templateDir = join(root, 'cut', 'pglite-test');
    const path = newStoreFolder(root, 'store-cut');
    await createCluster(path, templateDir);
    // What a copy killed before its last file leaves: no marker, and some files not there yet.
    rmSync(join(path, CLUSTER_MARKER));
    rmSync(join(path, 'global'), { recursive: true });
    expect(hasCluster(path)).toBe(false);
    expect(await createCluster(path, templateDir)).toBe('template');
    await roundTrip(path);
  });

  it('runs initdb in the store itself when the template has no folder it can be made in', async () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const templateDir = join(blocker, 'cache', 'pglite-test');
    const path = newStoreFolder(root, 'store-no-template');
    expect(await createCluster(path, templateDir)).toBe('initdb');
    expect(await createCluster(newStoreFolder(root, 'store-no-template-2'), undefined)).toBe('initdb');
    await roundTrip(path);
  });

  it('makes one template when two stores race for it, leaves no scratch folder, and replaces debris', async () => {
    const templateDir = join(root, 'race', 'pglite-test');
    // A template folder without the marker (a hand-made copy, a disk that filled up) is debris.
    mkdirSync(templateDir, { recursive: true });
    writeFileSync(join(templateDir, 'junk'), 'x');
    // A scratch folder a killed process left an hour and more ago goes; a recent one is another's, under way.
    const abandoned = `${templateDir}.making-old`;
    const underWay = `${templateDir}.making-now`;
    mkdirSync(abandoned);
    mkdirSync(underWay);
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(abandoned, twoHoursAgo, twoHoursAgo);

    const [a, b] = [newStoreFolder(root, 'race-a'), newStoreFolder(root, 'race-b')];
    expect(await Promise.all([createCluster(a, templateDir), createCluster(b, templateDir)])).toEqual(['new-template', 'new-template']);
    expect(hasCluster(templateDir)).toBe(true);
    expect(existsSync(join(templateDir, 'junk'))).toBe(false);
    expect(scratchLeft(templateDir)).toEqual(['pglite-test.making-now']);
    await roundTrip(a);
    await roundTrip(b);
  });

  it('makes the template on its own (the image’s build step), once, and says why it cannot', async () => {
    const templateDir = join(root, 'image', 'pglite-test');
    expect(await makeTemplate(templateDir)).toBe(templateDir);
    expect(hasCluster(templateDir)).toBe(true);
    expect(scratchLeft(templateDir)).toEqual([]);
    const made = statSync(join(templateDir, CLUSTER_MARKER)).mtimeMs;
    expect(await makeTemplate(templateDir)).toBe(templateDir);
    expect(statSync(join(templateDir, CLUSTER_MARKER)).mtimeMs).toBe(made);
    const blocker = join(root, 'another-file');
    writeFileSync(blocker, 'not a folder');
    await expect(makeTemplate(join(blocker, 'pglite-test'))).rejects.toMatchObject({ name: 'StoreError', code: 'STORE_UNAVAILABLE', message: expect.stringContaining('make its parent writable') });
  });

  it("puts the default template in the install's node_modules/.cache, per PGlite version, and the store client uses it", async () => {
    const templateDir = defaultTemplateDir();
    const version = (JSON.parse(readFileSync(join('node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string }).version;
    expect(templateDir).toBe(join(process.cwd(), 'node_modules', '.cache', 'verity', `pglite-${version}`));
    const path = join(root, 'through-the-client');
    const sql = await createSqlClient({ kind: 'embedded', path });
    try {
      expect(await sql.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await sql.close();
    }
    expect(hasCluster(templateDir!)).toBe(true);
    expect(filesOf(templateDir!).get('global/pg_control')).toBeDefined();
  });
});
