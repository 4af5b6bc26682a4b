/**
 * The run store under load: 10,000 recorded runs, then the queries `reproml runs` and
 * `reproml report` make. Baseline, measured in the same run: the same records in a JSON-lines
 * file, read and filtered in plain JavaScript (what a store without SQLite would do).
 *
 *   node -r @swc-node/register bench/tracking/run.ts [--runs 10000]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SeededRandom } from '../../packages/core/src';
import { collectReportData, compareRuns, metricsDiff, type RunRecord, RunStore, recordRun, renderReport } from '../../packages/tracking/src';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10000' } } });
const RUNS = Number(values.runs);
const STAGES = ['data', 'preprocess', 'train', 'evaluate', 'predict'];
const COMMITS = Array.from({ length: 50 }, (_, i) => i.toString(16).padStart(40, '0'));

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
    gitCommit: COMMITS[Math.floor((index / RUNS) * COMMITS.length)]!,
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

async function time<T>(body: () => T | Promise<T>, repeat = 5): Promise<{ ms: number; result: T }> {
  let best = Infinity;
  let result!: T;
  for (let i = 0; i < repeat; i++) {
    const start = process.hrtime.bigint();
    result = await body();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { ms: best, result };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'reproml-bench-tracking-'));
  try {
    const rng = new SeededRandom(7);
    const runs = Array.from({ length: RUNS }, (_, i) => makeRun(i, rng));
    const dbPath = join(dir, 'runs.sqlite');

    // Writing: one transaction per run, as the stages do.
    const store = await RunStore.open({ path: dbPath });
    const insert = await time(async () => {
      for (const run of runs) await store.record(run);
    }, 1);
    const perProcess = await time(async () => {
      for (let i = 0; i < 200; i++)
        await recordRun({ workspaceRoot: dir, env: { REPROML_TRACKING_DB: join(dir, 'open-close.sqlite') }, collect: () => runs[i]! });
    }, 1);
    // Baseline store: JSON lines, one line per run (documents included, like the SQLite rows).
    const jsonlPath = join(dir, 'runs.jsonl');
    writeFileSync(jsonlPath, runs.map((run, i) => JSON.stringify({ id: i + 1, ...run, note: null })).join('\n'));

    const sqliteRows: [string, () => Promise<unknown>][] = [
      ['list all 10,000 (newest first)', () => store.list()],
      ['list --limit 30 (the CLI default)', () => store.list({ limit: 30 })],
      ['list --stage train', () => store.list({ stage: 'train' })],
      ['list --pipeline penguins --tag baseline', () => store.list({ pipeline: 'penguins', tag: 'baseline' })],
      ['compare 2 runs (get + compare)', async () => compareRuns(await store.getMany([RUNS - 2, RUNS - 7]))],
      ['compare 10 runs', async () => compareRuns(await store.getMany(Array.from({ length: 10 }, (_, i) => RUNS - 5 * i)))],
      ['metrics diff between two commits', () => metricsDiff({ store, commitA: COMMITS[10]!, commitB: COMMITS[40]! })],
      ['report data + HTML (200 newest runs)', async () => renderReport(await collectReportData({ store, pipeline: 'penguins' }))],
    ];
    const readJsonl = () =>
      readFileSync(jsonlPath, 'utf8')
        .split('\n')
        .map((line) => JSON.parse(line) as RunRecord & { id: number; note: null });
    const baselineRows: Record<string, () => unknown> = {
      'list all 10,000 (newest first)': () => readJsonl().sort((a, b) => b.startedAt.localeCompare(a.startedAt)),
      'list --limit 30 (the CLI default)': () =>
        readJsonl()
          .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
          .slice(0, 30),
      'list --stage train': () =>
        readJsonl()
          .filter((run) => run.stage === 'train')
          .sort((a, b) => b.startedAt.localeCompare(a.startedAt)),
      'list --pipeline penguins --tag baseline': () => readJsonl().filter((run) => run.pipeline === 'penguins' && run.tags.includes('baseline')),
      'compare 2 runs (get + compare)': () => {
        const all = readJsonl();
        return compareRuns([all[RUNS - 3]!, all[RUNS - 8]!]);
      },
    };

    console.log(
      `run store: ${RUNS} runs, ${(statSync(dbPath).size / 1e6).toFixed(1)} MB SQLite; baseline ${(statSync(jsonlPath).size / 1e6).toFixed(1)} MB JSON lines`,
    );
    console.log(`record ${RUNS} runs, one transaction each (open store): ${insert.ms.toFixed(0)} ms (${((insert.ms * 1000) / RUNS).toFixed(0)} µs/run)`);
    console.log(`recordRun with open + migrate check + close, as one stage process does: ${(perProcess.ms / 200).toFixed(2)} ms/run`);
    console.log('');
    console.log(`${'query'.padEnd(40)} ${'SQLite'.padStart(10)} ${'JSONL'.padStart(10)} ${'ratio'.padStart(7)}  rows`);
    for (const [name, body] of sqliteRows) {
      const measured = await time(body);
      const baseline = baselineRows[name] ? (await time(baselineRows[name]!, 3)).ms : undefined;
      const rows = Array.isArray(measured.result) ? String(measured.result.length) : '';
      console.log(
        `${name.padEnd(40)} ${`${measured.ms.toFixed(1)} ms`.padStart(10)} ${baseline === undefined ? '—'.padStart(10) : `${baseline.toFixed(1)} ms`.padStart(10)} ${baseline === undefined ? ''.padStart(7) : `${(measured.ms / baseline).toFixed(2)}x`.padStart(7)}  ${rows}`,
      );
    }
    await store.close();

    // The CLI as a person runs it: a fresh process each time. Baseline: `reproml --help`
    // (the same start-up: Node, the TypeScript loader, the command modules; no store).
    const cli = (args: string[]) => {
      const start = process.hrtime.bigint();
      const result = spawnSync(process.execPath, [join(__dirname, '../../packages/cli/bin/reproml.js'), ...args], {
        env: { ...process.env, REPROML_TRACKING_DB: dbPath },
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      });
      if (result.status !== 0 && args[0] !== '--help') throw new Error(`reproml ${args.join(' ')}: ${result.error ?? result.stderr}`);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const best = (args: string[]) => Math.min(cli(args), cli(args), cli(args));
    const startup = best(['--help']);
    console.log(`\n${'CLI process (wall, best of 3)'.padEnd(40)} ${'time'.padStart(10)} ${'--help'.padStart(10)} ${'ratio'.padStart(7)}`);
    for (const args of [
      ['runs', 'list', '--all', '--json'],
      ['runs', 'list'],
      ['runs', 'compare', String(RUNS - 2), String(RUNS - 7)],
      ['runs', 'metrics', 'diff', 'HEAD', 'HEAD'],
    ]) {
      const ms = best(args);
      console.log(
        `${`reproml ${args.join(' ')}`.padEnd(40)} ${`${ms.toFixed(0)} ms`.padStart(10)} ${`${startup.toFixed(0)} ms`.padStart(10)} ${`${(ms / startup).toFixed(2)}x`.padStart(7)}`,
      );
    }
    console.log('\ngoal: list and compare of 10,000 runs under 1 s each (times are the best of 5, in this process, store warm)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
