/**
 * The run store under load, SQLite and PostgreSQL side by side: 100,000 recorded runs in each
 * (the same records), then the queries `reproml runs` and `reproml report` make, measured in
 * interleaved rounds (each round runs every query on both engines, alternating which goes
 * first), reported as min / median / max. PostgreSQL is a throw-away local cluster
 * (test/support/postgres-server.ts, default durability settings) on 127.0.0.1.
 *
 *   node -r @swc-node/register bench/tracking/run.ts [--runs 100000] [--rounds 5]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SeededRandom } from '../../packages/core/src';
import {
  collectReportData,
  compareRuns,
  copyRuns,
  metricsDiff,
  type RunRecord,
  RunStore,
  recordRun,
  renderReport,
  type TrackingLocation,
} from '../../packages/tracking/src';
import { PostgresServer } from '../../test/support/postgres-server';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '5' } } });
const RUNS = Number(values.runs);
const ROUNDS = Number(values.rounds);
const STAGES = ['data', 'preprocess', 'train', 'evaluate', 'predict'];
const COMMITS = Array.from({ length: 50 }, (_, i) => i.toString(16).padStart(40, '0'));
const ENGINES = ['sqlite', 'postgres'] as const;
type Engine = (typeof ENGINES)[number];

function makeRun(index: number, rng: SeededRandom): RunRecord {
  const stage = STAGES[index % STAGES.length]!;
  const epochs = stage === 'train' ? 200 : 0;
  const classes = ['Adelie', 'Chinstrap', 'Gentoo'];
  const documents: Record<string, unknown> =
    stage === 'train'
      ? {
          'training-curve.json': {
            bestEpoch: 150,
            epochs: Array.from({ length: epochs }, (_, e) => ({ epoch: e + 1, trainLoss: 1 / (e + 1), validationLoss: 1.1 / (e + 1), validationMetric: 0.9 })),
          },
        }
      : stage === 'evaluate'
        ? {
            'metrics.json': {
              accuracy: rng.nextFloat(),
              confusionMatrix: [
                [20, 1, 0],
                [0, 10, 1],
                [0, 0, 18],
              ],
              perClass: classes.map((name) => ({ class: name })),
            },
            'curves.json': {
              classes: classes.map((name) => ({
                class: name,
                roc: { fpr: [0, 0.1, 1], tpr: [0, 0.9, 1] },
                pr: { recall: [0, 0.9, 1], precision: [1, 0.95, 0.5] },
                averagePrecision: 0.95,
              })),
            },
          }
        : {};
  return {
    pipeline: index % 10 < 8 ? 'penguins' : 'iris',
    stage,
    project: `penguins-${stage}`,
    kind: stage === 'data' ? 'pull' : stage,
    origin: index % 3 === 0 ? 'cache' : 'executed',
    cacheSource: index % 3 === 0 ? 'local-cache' : null,
    taskHash: String(1e15 + index),
    gitCommit: COMMITS[Math.floor(((index % RUNS) / RUNS) * COMMITS.length)]!,
    gitDirty: index % 7 === 0,
    params: {
      kind: stage,
      inputs: { features: 'preprocess' },
      model: { family: 'mlp', hiddenLayers: [32, 16] },
      training: {
        epochs: 300,
        batchSize: 16,
        l2: 1e-4,
        optimizer: { type: 'adam', learningRate: [0.001, 0.005, 0.02][index % 3], beta1: 0.9, beta2: 0.999 },
        earlyStopping: { patience: 25 },
      },
      seed: 42 + (index % 5),
    },
    metrics: {
      accuracy: rng.nextFloat(),
      precision: rng.nextFloat(),
      recall: rng.nextFloat(),
      f1: rng.nextFloat(),
      rocAuc: rng.nextFloat(),
      logLoss: rng.nextFloat(),
      rows: 50,
    },
    artifacts: ['model.onnx', 'model.json', 'training-curve.json', 'lineage.json'].map((path, i) => ({
      path,
      sha256: (index * 4 + i).toString(16).padStart(64, 'a'),
      size: 1000 + i,
    })),
    datasets: [{ stage: 'penguins-data', key: 'penguins', source: 'pipelines/penguins/raw/penguins.json', revision: null, sha256: 'f'.repeat(64) }],
    seed: 42,
    startedAt: new Date(Date.UTC(2026, 0, 1) + index * 60_000).toISOString(),
    durationMs: 100 + (index % 1000),
    host: 'bench',
    status: index % 50 === 0 ? 'failed' : 'succeeded',
    error: index % 50 === 0 ? 'boom' : null,
    tags: index % 100 === 0 ? ['baseline'] : [],
    documents,
  };
}

async function elapsed(body: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await body();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function stats(samples: number[]): { min: number; median: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { min: sorted[0]!, median, max: sorted.at(-1)! };
}

function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Runs each named body on both engines in `rounds` interleaved rounds; prints min/median/max per engine and the median ratio. */
async function compareEngines(title: string, rounds: number, rows: [string, (engine: Engine) => Promise<unknown>][]): Promise<void> {
  const samples = new Map(rows.map(([name]) => [name, { sqlite: [] as number[], postgres: [] as number[] }]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, body] of rows) {
      for (const engine of round % 2 ? [...ENGINES].reverse() : ENGINES) samples.get(name)![engine].push(await elapsed(() => body(engine)));
    }
    log(`  ${title}: round ${round + 1}/${rounds} done`);
  }
  const cell = (values: number[]) => {
    const { min, median, max } = stats(values);
    return `${formatMs(min)} / ${formatMs(median)} / ${formatMs(max)}`;
  };
  console.log(
    `\n${title.padEnd(40)} ${'SQLite ms (min / median / max)'.padStart(32)} ${'PostgreSQL ms (min / median / max)'.padStart(36)} ${'pg/sqlite'.padStart(10)}`,
  );
  for (const [name] of rows) {
    const { sqlite, postgres } = samples.get(name)!;
    const ratio = stats(postgres).median / stats(sqlite).median;
    console.log(`${name.padEnd(40)} ${cell(sqlite).padStart(32)} ${cell(postgres).padStart(36)} ${`${ratio.toFixed(2)}x`.padStart(10)}`);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'reproml-bench-tracking-'));
  log('starting a throw-away PostgreSQL cluster…');
  const server = await PostgresServer.start({ label: 'bench-postgres' });
  const stores = {} as Record<Engine, RunStore>;
  try {
    const sqlitePath = join(dir, 'runs.sqlite');
    const locations: Record<Engine, TrackingLocation> = {
      sqlite: { engine: 'sqlite', path: sqlitePath },
      postgres: { engine: 'postgres', url: server.url() },
    };
    const rng = new SeededRandom(7);
    stores.sqlite = await RunStore.open({ location: locations.sqlite });
    stores.postgres = await RunStore.open({ location: locations.postgres });

    // Writing, as stages do: one transaction per run, into a store of its own (a sample of 1,000).
    const sample = Math.min(1000, RUNS);
    await stores.postgres.sql.exec('CREATE DATABASE sample');
    const sampleLocations: Record<Engine, TrackingLocation> = {
      sqlite: { engine: 'sqlite', path: join(dir, 'sample.sqlite') },
      postgres: { engine: 'postgres', url: server.url('sample') },
    };
    const perRun: Record<Engine, number> = { sqlite: 0, postgres: 0 };
    for (const engine of ENGINES) {
      const sampleStore = await RunStore.open({ location: sampleLocations[engine] });
      const runs = Array.from({ length: sample }, (_, i) => makeRun(i, new SeededRandom(i)));
      perRun[engine] =
        (await elapsed(async () => {
          for (const run of runs) await sampleStore.record(run);
        })) / sample;
      await sampleStore.close();
    }
    log(`loading ${RUNS} runs into SQLite…`);
    const load = await elapsed(async () => {
      for (let start = 0; start < RUNS; start += 1000) {
        const batch = Array.from({ length: Math.min(1000, RUNS - start) }, (_, i) => ({ ...makeRun(start + i, rng), note: null }));
        await stores.sqlite.importRuns(batch);
        if ((start / 1000) % 10 === 9) log(`  ${start + 1000}/${RUNS}`);
      }
    });
    log(`copying them into PostgreSQL with copyRuns (reproml runs copy)…`);
    let lastShown = 0;
    const copyMs = await elapsed(async () => {
      const result = await copyRuns({
        from: stores.sqlite,
        to: stores.postgres,
        onProgress: (done, total) => {
          if (done - lastShown >= 10_000 || done === total) {
            lastShown = done;
            log(`  ${done}/${total}`);
          }
        },
      });
      if (result.verified !== RUNS || result.target !== RUNS) throw new Error(`copy did not verify: ${JSON.stringify(result)}`);
    });
    await stores.postgres.sql.exec('VACUUM ANALYZE');
    const pgSize = (await stores.postgres.sql.all<{ size: number }>('SELECT pg_database_size(current_database()) AS size'))[0]!.size;

    console.log(`run store benchmark: ${RUNS} runs in each engine (5 stages, 50 commits, train runs with a 200-epoch curve)`);
    console.log(
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, PostgreSQL ${(await stores.postgres.sql.all<{ server_version: string }>('SHOW server_version'))[0]!.server_version} on 127.0.0.1`,
    );
    console.log(`size: SQLite ${(statSync(sqlitePath).size / 1e6).toFixed(0)} MB, PostgreSQL ${(pgSize / 1e6).toFixed(0)} MB`);
    console.log(
      `record one run, one transaction (open store, ${sample} runs): SQLite ${(perRun.sqlite).toFixed(2)} ms/run, PostgreSQL ${(perRun.postgres).toFixed(2)} ms/run`,
    );
    console.log(`bulk load into SQLite (1,000 runs per transaction): ${(load / 1000).toFixed(1)} s`);
    console.log(`reproml runs copy SQLite → PostgreSQL, verified: ${(copyMs / 1000).toFixed(1)} s (${((RUNS * 1000) / copyMs).toFixed(0)} runs/s)`);

    const store = (engine: Engine) => stores[engine];
    await compareEngines(`query (${RUNS} runs, ${ROUNDS} rounds)`, ROUNDS, [
      ['list --limit 30 (the CLI default)', (e) => store(e).list({ limit: 30 })],
      ['list --stage train --limit 30', (e) => store(e).list({ stage: 'train', limit: 30 })],
      ['list --pipeline penguins --tag baseline', (e) => store(e).list({ pipeline: 'penguins', tag: 'baseline' })],
      [`list --stage train (all ${RUNS / 5})`, (e) => store(e).list({ stage: 'train' })],
      [`list --all (${RUNS}, newest first)`, (e) => store(e).list()],
      ['compare 2 runs (get + compare)', async (e) => compareRuns(await store(e).getMany([RUNS - 2, RUNS - 7]))],
      ['compare 10 runs', async (e) => compareRuns(await store(e).getMany(Array.from({ length: 10 }, (_, i) => RUNS - 5 * i)))],
      ['metrics diff between two commits', (e) => metricsDiff({ store: store(e), commitA: COMMITS[10]!, commitB: COMMITS[40]! })],
      ['report data + HTML (200 newest runs)', async (e) => renderReport(await collectReportData({ store: store(e), pipeline: 'penguins' }))],
    ]);

    // A stage process: open (and check the schema), record one run, close.
    const env = (engine: Engine) => (engine === 'sqlite' ? { REPROML_TRACKING_DB: sqlitePath } : { REPROML_TRACKING_URL: server.url() });
    let next = 2 * RUNS;
    await compareEngines('recordRun in a stage process', 20, [
      [
        'open + migrate check + record + close',
        async (e) => {
          const result = await recordRun({ workspaceRoot: dir, env: env(e), collect: () => makeRun(next++, rng) });
          if (!result.recorded) throw new Error(JSON.stringify(result));
        },
      ],
    ]);

    // The CLI as a person runs it: a new process per command; `reproml --help` is the start-up alone.
    const cli = (engine: Engine, args: string[]) =>
      elapsed(async () => {
        const result = spawnSync(process.execPath, [join(__dirname, '../../packages/cli/bin/reproml.js'), ...args], {
          env: { ...process.env, ...env(engine), NO_COLOR: '1' },
          encoding: 'utf8',
          maxBuffer: 1 << 30,
        });
        if (result.status !== 0) throw new Error(`reproml ${args.join(' ')}: ${result.error ?? result.stderr}`);
      });
    await compareEngines('CLI process (wall)', 3, [
      ['reproml --help (start-up only)', (e) => cli(e, ['--help'])],
      ['reproml runs list', (e) => cli(e, ['runs', 'list'])],
      [`reproml runs compare ${RUNS - 2} ${RUNS - 7}`, (e) => cli(e, ['runs', 'compare', String(RUNS - 2), String(RUNS - 7)])],
    ]);
    console.log('\ngoal: list and compare under 1 s each at 100,000 runs, on both engines');
  } finally {
    for (const engine of ENGINES) await stores[engine]?.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
