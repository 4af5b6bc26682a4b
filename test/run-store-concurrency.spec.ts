import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RecordRunResult, RunStore, type TrackingLocation } from '../packages/tracking/src';
import { testRun } from '../packages/tracking/src/lib/test-run';
import { sharedPostgres } from './support/postgres';
import { REPO_ROOT } from './support/temp-workspace';

const WORKERS = 6;
const RUNS_EACH = 25;
const dir = mkdtempSync(join(tmpdir(), 'reproml-concurrency-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Several processes recording into one store at the same moment, as parallel Nx tasks on several machines do. */
describe.each(['sqlite', 'postgres'] as const)('concurrent writers on %s', (engine) => {
  it(`${WORKERS} processes × ${RUNS_EACH} runs: none lost, none doubled, ids unique`, async () => {
    const location: TrackingLocation =
      engine === 'sqlite' ? { engine, path: join(dir, 'runs.sqlite') } : { engine, url: await (await sharedPostgres()).createDatabase('concurrency') };
    const env: Record<string, string> = location.engine === 'sqlite' ? { REPROML_TRACKING_DB: location.path } : { REPROML_TRACKING_URL: location.url };
    // Started together after the workers have loaded (swc start-up takes a few seconds on a busy machine).
    const startAt = Date.now() + 8000;
    const outputs = await Promise.all(Array.from({ length: WORKERS }, (_, worker) => runWorker(worker, startAt, env)));
    const results = outputs.flat();
    const failures = results.filter((result) => !result.recorded);
    expect(failures).toEqual([]);
    const ids = results.flatMap((result) => (result.recorded ? [result.id] : []));
    // The run every worker recorded has one id; every other run its own.
    expect(new Set(ids).size).toBe(WORKERS * RUNS_EACH + 1);

    const store = await RunStore.open({ location, readonly: true });
    try {
      expect(await store.count()).toBe(WORKERS * RUNS_EACH + 1);
      const runs = await store.list();
      for (let worker = 0; worker < WORKERS; worker++) {
        const mine = runs.filter((run) => run.host === `worker-${worker}`).map((run) => run.metrics.index);
        expect(mine.sort((a, b) => a! - b!)).toEqual(Array.from({ length: RUNS_EACH }, (_, index) => index));
      }
      expect(runs.filter((run) => run.host === 'everyone')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});

function runWorker(worker: number, startAt: number, env: Record<string, string>): Promise<RecordRunResult[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-r', require.resolve('@swc-node/register'), join(REPO_ROOT, 'test/support/record-runs-worker.ts'), String(worker), String(RUNS_EACH), String(startAt)],
      // A short busy timeout would turn waiting into lost runs: the default (3 s) applies, as in a pipeline.
      { cwd: dir, env: { ...process.env, ...env }, timeout: 120_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`worker ${worker}: ${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout))),
    );
  });
}

/** `reproml runs copy` killed half way (kill -9): every batch is one transaction, so a rerun finishes the copy. */
describe('a copy killed half way', () => {
  it('leaves whole batches only, and a rerun copies the rest and verifies everything', async () => {
    const total = 3000;
    const source = join(dir, 'killed-copy.sqlite');
    const store = await RunStore.open({ path: source });
    await store.importRuns(
      Array.from({ length: total }, (_, index) => ({ ...testRun({ startedAt: new Date(Date.UTC(2026, 0, 1) + index * 1000).toISOString() }), note: null })),
    );
    await store.close();
    const url = await (await sharedPostgres()).createDatabase('killed_copy');
    const killed = await copyUntil(source, url, /copied 1000\//);
    expect(killed).toBe('SIGKILL');
    const target = await RunStore.open({ location: { engine: 'postgres', url } });
    const copied = await target.count();
    await target.close();
    expect(copied % 500).toBe(0);
    expect(copied).toBeGreaterThanOrEqual(1000);
    expect(copied).toBeLessThan(total);

    const rerun = await runCopy(source, url);
    expect(rerun).toMatchObject({ source: total, added: total - copied, present: copied, verified: total, mismatches: [], target: total });
  });
});

function cliArgs(source: string, url: string): string[] {
  return [join(REPO_ROOT, 'packages/cli/bin/reproml.js'), 'runs', 'copy', '--from', source, '--to', url, '--json'];
}

/** Starts `reproml runs copy` and kills it with SIGKILL once its progress matches `when`; resolves with the signal it ended by. */
function copyUntil(source: string, url: string, when: RegExp): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cliArgs(source, url), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
      if (when.test(stderr)) child.kill('SIGKILL');
    });
    child.once('error', reject);
    child.once('exit', (_code, signal) => resolve(signal));
  });
}

function runCopy(source: string, url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, cliArgs(source, url), { cwd: dir, timeout: 300_000, maxBuffer: 1 << 26 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
    );
  });
}
