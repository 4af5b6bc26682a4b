import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SharedPostgres, sharedPostgres } from '../../../../test/support/postgres';
import { copyRuns } from './copy-runs';
import { MIGRATIONS, schemaVersion } from './migrations';
import { PostgresConnection } from './postgres-connection';
import { recordRun, recordRuns } from './record-run';
import { runFingerprint } from './run-fingerprint';
import { RunStore } from './run-store';
import { RunStoreError } from './run-store-error';
import { testRun } from './test-run';
import type { TrackingLocation } from './tracking-location';

let postgres: SharedPostgres;
let dir: string;
beforeAll(async () => {
  postgres = await sharedPostgres();
  dir = mkdtempSync(join(tmpdir(), 'reproml-run-store-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
/** A new, empty store location of each engine. */
const ENGINES: Record<TrackingLocation['engine'], () => Promise<TrackingLocation>> = {
  sqlite: async () => ({ engine: 'sqlite', path: join(dir, `store-${++counter}`, 'runs.sqlite') }),
  postgres: async () => ({ engine: 'postgres', url: await postgres.createDatabase('run_store') }),
};

/** The store contract: the same spec against SQLite and PostgreSQL. */
describe.each(Object.keys(ENGINES) as TrackingLocation['engine'][])('RunStore on %s', (engine) => {
  let location: TrackingLocation;
  let store: RunStore;
  beforeEach(async () => {
    location = await ENGINES[engine]();
    store = await RunStore.open({ location });
  });
  afterEach(async () => store.close());

  it('records a run and reads every field back, documents included', async () => {
    const run = testRun({ tags: ['b', 'a'], durationMs: 1234.5678, seed: 2 ** 40, documents: { 'metrics.json': { accuracy: 0.9, nested: [1, { x: 'ü' }] } } });
    const id = await store.record(run);
    expect(await store.get(id)).toEqual({ ...run, id, note: null, tags: ['a', 'b'] });
    expect(await store.document(id, 'metrics.json')).toEqual({ accuracy: 0.9, nested: [1, { x: 'ü' }] });
    expect(await store.document(id, 'absent.json')).toBeUndefined();
    expect(await store.get(id + 1)).toBeUndefined();
    expect(runFingerprint((await store.get(id))!)).toBe(runFingerprint(run));
  });

  it('lists newest first and filters by pipeline, stage (folder or project), tag, origin, status and commit', async () => {
    const first = await store.record(testRun({ startedAt: '2026-01-01T00:00:00.000Z', tags: ['baseline'] }));
    const second = await store.record(testRun({ startedAt: '2026-01-02T00:00:00.000Z', stage: 'evaluate', project: 'penguins-evaluate', origin: 'cache' }));
    const third = await store.record(testRun({ startedAt: '2026-01-03T00:00:00.000Z', pipeline: 'other', project: 'other-train', gitCommit: 'f'.repeat(40) }));
    const failed = await store.record(testRun({ startedAt: '2025-12-31T23:59:59.999Z', status: 'failed', error: 'boom' }));
    const ids = async (filter: Parameters<RunStore['list']>[0]) => (await store.list(filter)).map((run) => run.id);
    expect(await ids({})).toEqual([third, second, first, failed]);
    expect(await ids({ pipeline: 'penguins' })).toEqual([second, first, failed]);
    expect(await ids({ stage: 'penguins-evaluate' })).toEqual([second]);
    expect(await ids({ stage: 'train' })).toEqual([third, first, failed]);
    expect(await ids({ tag: 'baseline' })).toEqual([first]);
    expect(await ids({ origin: 'cache' })).toEqual([second]);
    expect(await ids({ status: 'failed' })).toEqual([failed]);
    expect(await ids({ gitCommit: 'f'.repeat(40) })).toEqual([third]);
    expect(await ids({ limit: 1 })).toEqual([third]);
    expect(await ids({ pipeline: 'penguins', limit: 2 })).toEqual([second, first]);
    expect((await store.getMany([third, 999, first])).map((run) => run.id)).toEqual([third, first]);
  });

  it('orders timestamps and tags by their bytes, the same in both engines', async () => {
    // Under a natural-language collation, 'B' < 'a' does not hold and punctuation is ignored.
    const id = await store.record(testRun({ tags: ['a', 'B', '_x', 'Ω'] }));
    expect((await store.get(id))!.tags).toEqual(['B', '_x', 'a', 'Ω']);
  });

  it('annotates a run with a note and tags, and says when the run does not exist', async () => {
    const id = await store.record(testRun());
    expect(await store.annotate({ id, note: 'lr 0.01 overfits', tags: ['rejected', 'rejected'] })).toBe(true);
    expect(await store.get(id)).toMatchObject({ note: 'lr 0.01 overfits', tags: ['rejected'] });
    expect(await store.annotate({ id, tags: ['rejected', 'x'] })).toBe(true);
    expect(await store.get(id)).toMatchObject({ note: 'lr 0.01 overfits', tags: ['rejected', 'x'] });
    expect(await store.annotate({ id: 999, note: 'x' })).toBe(false);
  });

  it('stores a run recorded twice once (same fingerprint), keeping the tags of both', async () => {
    const id = await store.record(testRun({ tags: ['a'] }));
    expect(await store.record(testRun({ tags: ['b'] }))).toBe(id);
    expect(await store.count()).toBe(1);
    expect((await store.get(id))!.tags).toEqual(['a', 'b']);
  });

  it('migrates a new store to the latest schema once, and refuses a store from a newer ReproML', async () => {
    expect(await schemaVersion(store.sql)).toBe(MIGRATIONS.length);
    await store.close();
    store = await RunStore.open({ location });
    expect(await schemaVersion(store.sql)).toBe(MIGRATIONS.length);
    if (engine === 'sqlite') await store.sql.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`);
    else await store.sql.run('UPDATE reproml_schema_version SET version = ?', [MIGRATIONS.length + 1]);
    await expect(RunStore.open({ location })).rejects.toThrow(/newer than this ReproML knows/);
    await expect(RunStore.open({ location, readonly: true })).rejects.toThrow(/newer than this ReproML knows/);
  });

  it('writes nothing of a run whose insert fails half way (one transaction)', async () => {
    // The run row and its documents are written, then a tag breaks NOT NULL.
    await expect(store.record(testRun({ tags: ['x', null as unknown as string], documents: { 'a.json': { ok: 1 } } }))).rejects.toThrow();
    expect(await store.count()).toBe(0);
    expect(await store.sql.all('SELECT run_id FROM run_documents')).toEqual([]);
    expect(await store.list({ tag: 'x' })).toEqual([]);
    expect(await store.record(testRun())).toBeGreaterThan(0);
  });

  it('imports a batch in one transaction: new runs added, held ones completed, duplicates inside the batch stored once', async () => {
    const held = await store.record(testRun({ startedAt: '2026-01-01T00:00:00.000Z', tags: ['old'] }));
    const batch = [
      { ...testRun({ startedAt: '2026-01-01T00:00:00.000Z', tags: ['new'] }), note: 'from the laptop' },
      { ...testRun({ startedAt: '2026-01-02T00:00:00.000Z', documents: { 'metrics.json': { a: 1 } } }), note: null },
      { ...testRun({ startedAt: '2026-01-02T00:00:00.000Z', documents: { 'metrics.json': { a: 1 } }, tags: ['twice'] }), note: null },
    ];
    expect(await store.importRuns(batch)).toEqual({ added: 1, present: 2 });
    expect(await store.count()).toBe(2);
    expect(await store.get(held)).toMatchObject({ note: 'from the laptop', tags: ['new', 'old'] });
    const added = (await store.list({ tag: 'twice' }))[0]!;
    expect(await store.document(added.id, 'metrics.json')).toEqual({ a: 1 });
  });

  it('prunes all but the newest runs of each stage, keeping annotated and tagged ones', async () => {
    const day = (n: number) => `2026-01-${String(n).padStart(2, '0')}T00:00:00.000Z`;
    const train: number[] = [];
    for (const n of [1, 2, 3, 4, 5]) train.push(await store.record(testRun({ startedAt: day(n) })));
    const evaluate: number[] = [];
    for (const n of [1, 2]) evaluate.push(await store.record(testRun({ startedAt: day(n), stage: 'evaluate', project: 'penguins-evaluate' })));
    await store.annotate({ id: train[0]!, note: 'the baseline we compare against' });
    await store.annotate({ id: train[1]!, tags: ['candidate'] });

    expect(await store.prune({ keepPerStage: 2, dryRun: true })).toEqual({ removed: 1, remaining: 6 });
    expect(await store.count()).toBe(7);
    expect(await store.prune({ keepPerStage: 2 })).toEqual({ removed: 1, remaining: 6 });
    const left = (await store.list()).map((run) => run.id).sort((a, b) => a - b);
    expect(left).toEqual([train[0]!, train[1]!, train[3]!, train[4]!, ...evaluate]);
    expect(await store.get(train[2]!)).toBeUndefined();
  });

  it('a store opened for reading that holds no runs yet says so', async () => {
    const empty = await ENGINES[engine]();
    if (empty.engine === 'postgres') await (await PostgresConnection.connect({ url: empty.url, connectTimeoutMs: 5000 })).close();
    await expect(RunStore.open({ location: empty, readonly: true })).rejects.toThrow(/no runs recorded yet/);
  });
});

describe('copyRuns (SQLite → PostgreSQL and back)', () => {
  it('copies every run with its tags, note and documents, verifies each by fingerprint, and adds nothing on a rerun', async () => {
    const sqlite = await RunStore.open({ location: await ENGINES.sqlite() });
    const team = await RunStore.open({ location: await ENGINES.postgres() });
    try {
      const colleague = await team.record(testRun({ host: 'colleague', startedAt: '2026-03-01T00:00:00.000Z' }));
      for (let i = 0; i < 7; i++) {
        await sqlite.record(testRun({ startedAt: `2026-02-0${i + 1}T00:00:00.000Z`, metrics: { loss: 1 / (i + 1) }, documents: { 'metrics.json': { i } } }));
      }
      await sqlite.annotate({ id: 3, note: 'keep this one', tags: ['baseline'] });
      const progress: number[] = [];
      const first = await copyRuns({ from: sqlite, to: team, batchSize: 3, onProgress: (done) => progress.push(done) });
      expect(first).toEqual({ source: 7, added: 7, present: 0, target: 8, verified: 7, mismatches: [] });
      expect(progress).toEqual([3, 6, 7]);
      const copied = (await team.list({ tag: 'baseline' }))[0]!;
      expect(copied).toMatchObject({ note: 'keep this one', startedAt: '2026-02-03T00:00:00.000Z' });
      expect(await team.document(copied.id, 'metrics.json')).toEqual({ i: 2 });

      await sqlite.annotate({ id: 5, tags: ['later'] });
      const rerun = await copyRuns({ from: sqlite, to: team });
      expect(rerun).toEqual({ source: 7, added: 0, present: 7, target: 8, verified: 7, mismatches: [] });
      expect((await team.list({ tag: 'later' })).map((run) => run.startedAt)).toEqual(['2026-02-05T00:00:00.000Z']);

      // Back: the team's store into a new SQLite file holds the colleague's run too.
      const back = await RunStore.open({ location: await ENGINES.sqlite() });
      expect(await copyRuns({ from: team, to: back })).toMatchObject({ source: 8, added: 8, verified: 8 });
      expect((await back.list()).map((run) => run.host)).toContain('colleague');
      expect(colleague).toBeGreaterThan(0);
      await back.close();
    } finally {
      await sqlite.close();
      await team.close();
    }
  });

  it('reports a run whose content differs in the target (tampered after copying)', async () => {
    const sqlite = await RunStore.open({ location: await ENGINES.sqlite() });
    const team = await RunStore.open({ location: await ENGINES.postgres() });
    try {
      await sqlite.record(testRun());
      await copyRuns({ from: sqlite, to: team });
      await team.sql.run('UPDATE runs SET metrics = \'{"trainLoss":0.1}\'');
      const result = await copyRuns({ from: sqlite, to: team });
      expect(result.verified).toBe(0);
      expect(result.mismatches).toEqual([runFingerprint(testRun()).slice(0, 12)]);
    } finally {
      await sqlite.close();
      await team.close();
    }
  });
});

describe('SQLite store files', () => {
  it('reports a corrupted file as such, with what to do', async () => {
    const path = join(dir, 'corrupted.sqlite');
    writeFileSync(path, 'this is not a database, just text that is long enough to have a header page'.repeat(20));
    const error = await RunStore.open({ path }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RunStoreError);
    expect((error as RunStoreError).describe()).toMatch(/not a readable SQLite database[\s\S]*Move it away/);
  });

  it('a missing file opened for reading says no runs were recorded', async () => {
    await expect(RunStore.open({ path: join(dir, 'missing', 'runs.sqlite'), readonly: true })).rejects.toThrow(/no runs recorded yet/);
  });

  it('migrates a store of schema version 1 (before fingerprints) and keeps its runs', async () => {
    const path = join(dir, 'v1.sqlite');
    const db = new SqliteDatabase(path);
    db.exec((MIGRATIONS[0] as { sqlite: string }).sqlite);
    db.pragma('user_version = 1');
    db.prepare(
      `INSERT INTO runs (pipeline, stage, project, kind, origin, params, metrics, artifacts, datasets, started_at, duration_ms, host, status)
       VALUES ('p', 's', 'p-s', 'train', 'executed', '{}', '{}', '[]', '[]', '2026-01-01T00:00:00.000Z', 1, 'h', 'succeeded')`,
    ).run();
    db.close();
    const store = await RunStore.open({ path });
    expect(await schemaVersion(store.sql)).toBe(MIGRATIONS.length);
    expect((await store.list()).map((run) => run.project)).toEqual(['p-s']);
    await store.close();
  });
});

describe('recordRun', () => {
  let runDir: string;
  beforeEach(() => (runDir = mkdtempSync(join(tmpdir(), 'reproml-record-run-'))));
  afterEach(() => rmSync(runDir, { recursive: true, force: true }));

  it('records into REPROML_TRACKING_DB', async () => {
    const env = { REPROML_TRACKING_DB: join(runDir, 'runs.sqlite') };
    const result = await recordRun({ workspaceRoot: runDir, env, collect: () => testRun() });
    expect(result).toMatchObject({ recorded: true, id: 1, path: env.REPROML_TRACKING_DB });
  });

  it('records into REPROML_TRACKING_URL (PostgreSQL), printing the URL without its password', async () => {
    const url = await postgres.createDatabase('record_run');
    const result = await recordRun({ workspaceRoot: runDir, env: { REPROML_TRACKING_URL: url }, collect: () => testRun() });
    expect(result).toMatchObject({ recorded: true, id: 1, path: url });
    const withPassword = new URL(url);
    withPassword.password = 's3cret';
    const again = await recordRun({ workspaceRoot: runDir, env: { REPROML_TRACKING_URL: withPassword.toString() }, collect: () => testRun({ host: 'b' }) });
    expect(again).toMatchObject({ recorded: true, id: 2 });
    expect(JSON.stringify(again)).not.toContain('s3cret');
  });

  it('recordRuns records several runs in one transaction, opens nothing for none, and fails as one warning', async () => {
    const url = await postgres.createDatabase('record_runs');
    const both = await recordRuns({
      workspaceRoot: runDir,
      env: { REPROML_TRACKING_URL: url },
      collect: () => [testRun({ host: 'a' }), testRun({ host: 'b' })],
    });
    expect(both).toMatchObject({ recorded: true, ids: [1, 2] });
    const unreachable = { REPROML_TRACKING_URL: `postgres://ci@127.0.0.1:${await closedPort()}/runs` };
    expect(await recordRuns({ workspaceRoot: runDir, env: unreachable, collect: () => [] })).toMatchObject({ recorded: true, ids: [] });
    const failed = await recordRuns({ workspaceRoot: runDir, env: unreachable, collect: () => [testRun(), testRun({ host: 'b' })] });
    expect(failed).toMatchObject({ recorded: false, reason: 'failed', warning: expect.stringMatching(/cannot be reached/) });
  });

  it('does nothing when REPROML_TRACKING=off', async () => {
    const result = await recordRun({
      workspaceRoot: runDir,
      env: { REPROML_TRACKING: 'off', REPROML_TRACKING_DB: join(runDir, 'x.sqlite') },
      collect: () => testRun(),
    });
    expect(result).toEqual({ recorded: false, reason: 'disabled' });
  });

  it('turns a corrupted store into a warning instead of an exception', async () => {
    const env = { REPROML_TRACKING_DB: join(runDir, 'runs.sqlite') };
    writeFileSync(env.REPROML_TRACKING_DB, Buffer.alloc(8192, 7));
    const result = await recordRun({ workspaceRoot: runDir, env, collect: () => testRun() });
    expect(result.recorded).toBe(false);
    expect(result.recorded === false && result.reason === 'failed' && result.warning).toMatch(
      /run not recorded \(the stage itself is unaffected\).*not a readable SQLite database/s,
    );
  });

  it('turns a store locked by another process into a warning after the busy timeout', async () => {
    const env = { REPROML_TRACKING_DB: join(runDir, 'runs.sqlite'), REPROML_TRACKING_BUSY_TIMEOUT_MS: '200' };
    expect((await recordRun({ workspaceRoot: runDir, env, collect: () => testRun() })).recorded).toBe(true);
    const holder = new SqliteDatabase(env.REPROML_TRACKING_DB);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const result = await recordRun({ workspaceRoot: runDir, env, collect: () => testRun({ host: 'second' }) });
      expect(result.recorded === false && result.reason === 'failed' && result.warning).toMatch(/locked by another process/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(await recordRun({ workspaceRoot: runDir, env, collect: () => testRun({ host: 'third' }) })).toMatchObject({ recorded: true, id: 2 });
  });

  it('turns a PostgreSQL server that refuses connections into a warning at once', async () => {
    const port = await closedPort();
    const started = Date.now();
    const result = await recordRun({
      workspaceRoot: runDir,
      env: { REPROML_TRACKING_URL: `postgres://reproml:pw@127.0.0.1:${port}/runs` },
      collect: () => testRun(),
    });
    expect(result.recorded === false && result.reason === 'failed' && result.warning).toMatch(
      new RegExp(`run not recorded \\(the stage itself is unaffected\\).*postgres://reproml:\\*\\*\\*@127\\.0\\.0\\.1:${port}/runs cannot be reached`, 's'),
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('turns a server that accepts and never answers into a warning after the connect timeout', async () => {
    const silent = await silentServer();
    try {
      const started = Date.now();
      const result = await recordRun({
        workspaceRoot: runDir,
        env: { REPROML_TRACKING_URL: `postgres://reproml@127.0.0.1:${silent.port}/runs`, REPROML_TRACKING_CONNECT_TIMEOUT_MS: '500' },
        collect: () => testRun(),
      });
      expect(result.recorded === false && result.reason === 'failed' && result.warning).toMatch(
        /did not answer in time[\s\S]*REPROML_TRACKING_CONNECT_TIMEOUT_MS/,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await silent.close();
    }
  });

  it('turns a missing database into a warning naming it', async () => {
    const result = await recordRun({ workspaceRoot: runDir, env: { REPROML_TRACKING_URL: postgres.url('no_such_database') }, collect: () => testRun() });
    expect(result.recorded === false && result.reason === 'failed' && result.warning).toMatch(/names a database that does not exist[\s\S]*createdb/);
  });

  it('turns a failure while collecting the run into a warning', async () => {
    const result = await recordRun({
      workspaceRoot: runDir,
      env: { REPROML_TRACKING_DB: join(runDir, 'r.sqlite') },
      collect: () => {
        throw new Error('boom');
      },
    });
    expect(result.recorded === false && result.reason === 'failed' && result.warning).toMatch(/boom/);
  });
});

/** A port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A TCP server on 127.0.0.1 that accepts connections and never says a word: a hung database. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
