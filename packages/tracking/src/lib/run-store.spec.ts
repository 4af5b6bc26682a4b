import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations';
import { recordRun } from './record-run';
import { RunStore } from './run-store';
import { RunStoreError } from './run-store-error';
import { testRun } from './test-run';

describe('RunStore', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'reproml-run-store-'));
    path = join(dir, 'nested', 'runs.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('records a run and reads every field back, documents included', () => {
    const store = RunStore.open({ path });
    const run = testRun({ tags: ['b', 'a'], documents: { 'metrics.json': { accuracy: 0.9 } } });
    const id = store.record(run);
    expect(store.get(id)).toEqual({ ...run, id, note: null, tags: ['a', 'b'] });
    expect(store.document(id, 'metrics.json')).toEqual({ accuracy: 0.9 });
    expect(store.get(id + 1)).toBeUndefined();
    store.close();
  });

  it('lists newest first and filters by pipeline, stage (folder or project), tag, origin and commit', () => {
    const store = RunStore.open({ path });
    const first = store.record(testRun({ startedAt: '2026-01-01T00:00:00.000Z', tags: ['baseline'] }));
    const second = store.record(testRun({ startedAt: '2026-01-02T00:00:00.000Z', stage: 'evaluate', project: 'penguins-evaluate', origin: 'cache' }));
    const third = store.record(testRun({ startedAt: '2026-01-03T00:00:00.000Z', pipeline: 'other', project: 'other-train', gitCommit: 'f'.repeat(40) }));
    expect(store.list().map((run) => run.id)).toEqual([third, second, first]);
    expect(store.list({ pipeline: 'penguins' }).map((run) => run.id)).toEqual([second, first]);
    expect(store.list({ stage: 'penguins-evaluate' }).map((run) => run.id)).toEqual([second]);
    expect(store.list({ stage: 'train' }).map((run) => run.id)).toEqual([third, first]);
    expect(store.list({ tag: 'baseline' }).map((run) => run.id)).toEqual([first]);
    expect(store.list({ origin: 'cache' }).map((run) => run.id)).toEqual([second]);
    expect(store.list({ gitCommit: 'f'.repeat(40) }).map((run) => run.id)).toEqual([third]);
    expect(store.list({ limit: 1 }).map((run) => run.id)).toEqual([third]);
    store.close();
  });

  it('annotates a run with a note and tags, and says when the run does not exist', () => {
    const store = RunStore.open({ path });
    const id = store.record(testRun());
    expect(store.annotate({ id, note: 'lr 0.01 overfits', tags: ['rejected'] })).toBe(true);
    expect(store.get(id)).toMatchObject({ note: 'lr 0.01 overfits', tags: ['rejected'] });
    expect(store.annotate({ id: 999, note: 'x' })).toBe(false);
    store.close();
  });

  it('migrates a new file to the latest schema once, and refuses a store from a newer ReproML', () => {
    RunStore.open({ path }).close();
    const db = new SqliteDatabase(path);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => RunStore.open({ path })).toThrow(/newer than this ReproML knows/);
  });

  it('writes nothing of a run whose insert fails half way (one transaction)', () => {
    const store = RunStore.open({ path });
    // A document that cannot be serialized fails after the run row was inserted.
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => store.record(testRun({ tags: ['x'], documents: { 'metrics.json': circular } }))).toThrow();
    expect(store.count()).toBe(0);
    expect(store.list({ tag: 'x' })).toEqual([]);
    store.close();
  });

  it('reports a corrupted file as such, with what to do', () => {
    writeFileSync(path.replace('nested/', ''), 'this is not a database, just text that is long enough to have a header page'.repeat(20));
    const error = (() => {
      try {
        RunStore.open({ path: path.replace('nested/', '') });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(RunStoreError);
    expect((error as RunStoreError).describe()).toMatch(/not a readable SQLite database[\s\S]*Move it away/);
  });

  it('prunes all but the newest runs of each stage, keeping annotated and tagged ones', () => {
    const store = RunStore.open({ path });
    const day = (n: number) => `2026-01-${String(n).padStart(2, '0')}T00:00:00.000Z`;
    const train = [1, 2, 3, 4, 5].map((n) => store.record(testRun({ startedAt: day(n) })));
    const evaluate = [1, 2].map((n) => store.record(testRun({ startedAt: day(n), stage: 'evaluate', project: 'penguins-evaluate' })));
    store.annotate({ id: train[0]!, note: 'the baseline we compare against' });
    store.annotate({ id: train[1]!, tags: ['candidate'] });

    expect(store.prune({ keepPerStage: 2, dryRun: true })).toEqual({ removed: 1, remaining: 6 });
    expect(store.count()).toBe(7);
    expect(store.prune({ keepPerStage: 2 })).toEqual({ removed: 1, remaining: 6 });
    const left = store
      .list()
      .map((run) => run.id)
      .sort((a, b) => a - b);
    expect(left).toEqual([train[0]!, train[1]!, train[3]!, train[4]!, ...evaluate]);
    expect(store.get(train[2]!)).toBeUndefined();
    store.close();
  });

  it('a missing store opened for reading says no runs were recorded', () => {
    expect(() => RunStore.open({ path, readonly: true })).toThrow(/no runs recorded yet/);
  });
});

describe('recordRun', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'reproml-record-run-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('records into REPROML_TRACKING_DB', () => {
    const env = { REPROML_TRACKING_DB: join(dir, 'runs.sqlite') };
    const result = recordRun({ workspaceRoot: dir, env, collect: () => testRun() });
    expect(result).toMatchObject({ recorded: true, id: 1, path: env.REPROML_TRACKING_DB });
  });

  it('does nothing when REPROML_TRACKING=off', () => {
    const result = recordRun({ workspaceRoot: dir, env: { REPROML_TRACKING: 'off', REPROML_TRACKING_DB: join(dir, 'x.sqlite') }, collect: () => testRun() });
    expect(result).toEqual({ recorded: false, reason: 'disabled' });
  });

  it('turns a corrupted store into a warning instead of an exception', () => {
    const env = { REPROML_TRACKING_DB: join(dir, 'runs.sqlite') };
    writeFileSync(env.REPROML_TRACKING_DB, Buffer.alloc(8192, 7));
    const result = recordRun({ workspaceRoot: dir, env, collect: () => testRun() });
    expect(result.recorded).toBe(false);
    expect(result.recorded === false && result.reason === 'failed' && result.warning).toMatch(
      /run not recorded \(the stage itself is unaffected\).*not a readable SQLite database/s,
    );
  });

  it('turns a store locked by another process into a warning after the busy timeout', () => {
    const env = { REPROML_TRACKING_DB: join(dir, 'runs.sqlite'), REPROML_TRACKING_BUSY_TIMEOUT_MS: '200' };
    expect(recordRun({ workspaceRoot: dir, env, collect: () => testRun() }).recorded).toBe(true);
    const holder = new SqliteDatabase(env.REPROML_TRACKING_DB);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const result = recordRun({ workspaceRoot: dir, env, collect: () => testRun() });
      expect(result.recorded === false && result.reason === 'failed' && result.warning).toMatch(/locked by another process/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(recordRun({ workspaceRoot: dir, env, collect: () => testRun() })).toMatchObject({ recorded: true, id: 2 });
  });

  it('turns a failure while collecting the run into a warning', () => {
    const result = recordRun({
      workspaceRoot: dir,
      env: { REPROML_TRACKING_DB: join(dir, 'r.sqlite') },
      collect: () => {
        throw new Error('boom');
      },
    });
    expect(result.recorded === false && result.reason === 'failed' && result.warning).toMatch(/boom/);
  });
});
