import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RecordRunResult, RunStore, type TrackingLocation } from '../packages/tracking/src';
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
