import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { journalRuns } from './journal-runs';
import { appendRunJournal, claimRunJournal, releaseRunJournalClaim, runJournalPath } from './run-journal';
import { RunStore } from './run-store';
import { testRun } from './test-run';

const dir = mkdtempSync(join(tmpdir(), 'reproml-run-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
let storePath: string;
beforeEach(() => {
  storePath = join(dir, `store-${++counter}`, 'runs.sqlite');
});

/** The runs a fresh open of the store sees (it folds the journal first), by task hash, and the open's warnings. */
async function readBack(options: { readonly?: boolean } = {}): Promise<{ hashes: (string | null)[]; warnings: string[] }> {
  const store = await RunStore.open({ path: storePath, readonly: options.readonly });
  try {
    return { hashes: (await store.list()).map((run) => run.taskHash).sort(), warnings: store.warnings };
  } finally {
    await store.close();
  }
}

function journalFiles(): string[] {
  return readdirSync(join(storePath, '..')).filter((name) => name.includes('.journal'));
}

/** A pid no process has: one that ran and exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('the run journal', () => {
  it('holds runs without creating the store; the first open (even a read-only one) folds them in and empties it', async () => {
    appendRunJournal(storePath, [testRun({ taskHash: 'a' }), testRun({ taskHash: 'b' })]);
    appendRunJournal(storePath, [testRun({ taskHash: 'c' })]);
    expect(existsSync(storePath)).toBe(false);
    expect(readFileSync(runJournalPath(storePath), 'utf8').trim().split('\n')).toHaveLength(3);
    expect(await readBack({ readonly: true })).toEqual({ hashes: ['a', 'b', 'c'], warnings: [] });
    expect(journalFiles()).toEqual([]);
    expect((await readBack()).hashes).toEqual(['a', 'b', 'c']);
  });

  it('records each run once when a fold is repeated (a fold killed after its commit, before deleting its claim)', async () => {
    const runs = [testRun({ taskHash: 'a' }), testRun({ taskHash: 'b' })];
    appendRunJournal(storePath, runs);
    expect((await readBack()).hashes).toEqual(['a', 'b']);
    // The same lines again, as a claim left by a process that is gone.
    const claim = `${runJournalPath(storePath)}.${deadPid()}-0123456789ab.folding`;
    writeFileSync(claim, runs.map((run) => `${JSON.stringify({ format: 1, run })}\n`).join(''));
    expect(await readBack()).toEqual({ hashes: ['a', 'b'], warnings: [] });
    expect(existsSync(claim)).toBe(false);
  });

  it("loses no run appended while a fold claims the journal between the append's open and its write", async () => {
    appendRunJournal(storePath, [testRun({ taskHash: 'before' })]);
    let claimed: string[] = [];
    appendRunJournal(storePath, [testRun({ taskHash: 'racing' })], () => {
      // A fold that claims, reads and deletes the journal after this append opened it.
      claimed = claimRunJournal(storePath).flatMap((claim) => {
        releaseRunJournalClaim(claim);
        return claim.lines.filter(Boolean);
      });
    });
    expect(claimed).toHaveLength(1);
    expect((await readBack()).hashes).toEqual(['racing']);
  });

  it('leaves the claim of a process that still runs (it is folding it now)', async () => {
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      appendRunJournal(storePath, [testRun({ taskHash: 'mine' })]);
      const claim = `${runJournalPath(storePath)}.${sleeper.pid}-0123456789ab.folding`;
      writeFileSync(claim, `${JSON.stringify({ format: 1, run: testRun({ taskHash: 'theirs' }) })}\n`);
      expect((await readBack()).hashes).toEqual(['mine']);
      expect(existsSync(claim)).toBe(true);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('keeps a line cut short by a crash, a line of another format and a tampered run aside with the reason, and records the rest', async () => {
    appendRunJournal(storePath, [testRun({ taskHash: 'whole' })]);
    const journal = runJournalPath(storePath);
    appendFileSync(journal, `${JSON.stringify({ format: 2, run: testRun({ taskHash: 'newer' }) })}\n`);
    appendFileSync(journal, `${JSON.stringify({ format: 1, run: { ...testRun({ taskHash: 'tampered' }), durationMs: -5 } })}\n`);
    const cut = JSON.stringify({ format: 1, run: testRun({ taskHash: 'cut' }) });
    appendFileSync(journal, cut.slice(0, cut.length - 20));
    const { hashes, warnings } = await readBack();
    expect(hashes).toEqual(['whole']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/3 journaled run\(s\) could not be read and were kept in .*runs\.sqlite\.journal\.rejected/);
    const rejected = readFileSync(`${journal}.rejected`, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { reason: string; line: string });
    expect(rejected.map((entry) => entry.reason)).toEqual([
      expect.stringContaining('journal format 2, this ReproML reads format 1'),
      expect.stringContaining('durationMs'),
      expect.stringContaining('not a whole JSON line'),
    ]);
    expect(rejected[2]!.line).toBe(cut.slice(0, cut.length - 20));
    expect(journalFiles()).toEqual(['runs.sqlite.journal.rejected']);
  });

  it('reads no journal that is a link (to a device that never ends, or elsewhere): the open warns and reads the store', async () => {
    appendRunJournal(storePath, [testRun({ taskHash: 'kept' })]);
    expect((await readBack()).hashes).toEqual(['kept']);
    symlinkSync('/dev/zero', runJournalPath(storePath));
    const { hashes, warnings } = await readBack();
    expect(hashes).toEqual(['kept']);
    expect(warnings).toEqual([expect.stringMatching(/runs\.sqlite\.journal is not a regular file \(a link\?\): move it away/)]);
  });

  it('loses no run when many processes append and fold at once', async () => {
    const script = `
      const { appendRunJournal } = require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'src', 'lib', 'run-journal.js'))});
      const { RunStore } = require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'src', 'index.js'))});
      const [storePath, name] = process.argv.slice(1);
      (async () => {
        for (let i = 0; i < 20; i++) {
          const run = { pipeline: 'p', stage: 's', project: 'p-s', kind: 'k', origin: 'cache', cacheSource: 'local-cache', taskHash: name + '-' + i, gitCommit: null, gitDirty: null, params: {}, metrics: {}, artifacts: [], datasets: [], seed: null, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1, host: 'h', status: 'succeeded', error: null, tags: [], documents: {} };
          appendRunJournal(storePath, [run]);
          if (i % 5 === 4) await (await RunStore.open({ path: storePath, busyTimeoutMs: 20000 })).close();
        }
      })();`;
    const writers = ['w1', 'w2', 'w3', 'w4'].map(
      (name) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, ['-e', script, storePath, name], { stdio: 'inherit' });
          child.on('exit', resolve);
        }),
    );
    expect(await Promise.all(writers)).toEqual([0, 0, 0, 0]);
    const { hashes, warnings } = await readBack();
    expect(warnings).toEqual([]);
    expect(hashes).toHaveLength(80);
    expect(new Set(hashes).size).toBe(80);
    expect(journalFiles()).toEqual([]);
  });
});

describe('journalRuns', () => {
  it('journals into the SQLite store named by the environment and leaves a PostgreSQL store to recordRuns', () => {
    const env = { REPROML_TRACKING_DB: storePath };
    expect(journalRuns({ workspaceRoot: dir, env, collect: () => [testRun()] })).toEqual({ journaled: true, count: 1, path: storePath });
    expect(existsSync(runJournalPath(storePath))).toBe(true);
    expect(journalRuns({ workspaceRoot: dir, env: { REPROML_TRACKING_URL: 'postgres://127.0.0.1:1/x' }, collect: () => [] })).toEqual({
      journaled: false,
      reason: 'shared-store',
    });
    expect(journalRuns({ workspaceRoot: dir, env: { ...env, REPROML_TRACKING: 'off' }, collect: () => [testRun()] })).toEqual({
      journaled: false,
      reason: 'disabled',
    });
  });

  it('says why when the disk is full, and never throws', () => {
    mkdirSync(join(storePath, '..'), { recursive: true });
    symlinkSync('/dev/full', runJournalPath(storePath));
    const result = journalRuns({ workspaceRoot: dir, env: { REPROML_TRACKING_DB: storePath }, collect: () => [testRun()] });
    expect(result).toMatchObject({ journaled: false, reason: 'failed', warning: expect.stringContaining('ENOSPC') });
  });

  it('says why when the journal cannot be written, and never throws', () => {
    const blocker = join(dir, `blocker-${++counter}`);
    writeFileSync(blocker, 'a file where the store folder should be');
    const result = journalRuns({ workspaceRoot: dir, env: { REPROML_TRACKING_DB: join(blocker, 'runs.sqlite') }, collect: () => [testRun()] });
    expect(result).toMatchObject({
      journaled: false,
      reason: 'failed',
      warning: expect.stringMatching(/^run not recorded \(the stage itself is unaffected\): (EEXIST|ENOTDIR)/),
    });
  });
});
