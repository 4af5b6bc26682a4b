/**
 * Gradient-boosted trees: ReproML (@reproml/gbdt, TypeScript; predictions through
 * onnxruntime) vs XGBoost (tree_method=hist) and scikit-learn's HistGradientBoosting on the
 * same seeded synthetic data and split, same hyper-parameters. Rounds are interleaved
 * (ReproML, then each baseline, per round) and reported as min / median / max.
 * Run: node -r @swc-node/register bench/gbdt/gbdt.ts [rows=100000] [rounds=3] [tasks=binary,regression] [threads=1,<all>]
 * (the baselines' thread counts; ReproML trains on one thread and predicts with each count).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '../../packages/core/src';
import { buildTreeEnsembleGraph, fitGbdt, marginsToProbabilities, predictMargins } from '../../packages/gbdt/src';
import { syntheticSplit } from '../../packages/gbdt/src/testing/synthetic';
import * as ort from '../../packages/onnx/node_modules/onnxruntime-node';
import { buildModel, serializeModel, type TrainingSplit } from '../../packages/onnx/src';
import { ensurePythonModule, runPythonJson } from '../train/ensure-debian-python';
import { CONFIG, FEATURES } from './bench-config';

const ROWS = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const TASKS = (process.argv[4] ?? 'binary,regression').split(',') as ('binary' | 'regression')[];
const TEST_SHARE = 0.2;
const ALL_THREADS = cpus().length;
const THREADS = (process.argv[5] ?? `1,${ALL_THREADS}`).split(',').map(Number);
const PREDICT_REPEATS = 5;

interface Measurement {
  trainSeconds: number;
  predictRowsPerSecond: number;
  /** One thread only: rows per second of CPU time the process spent predicting (a shared machine disturbs it less than wall time). */
  predictRowsPerCpuSecond: number;
  metric: number;
}

interface Baseline extends Measurement {
  library: string;
  version: string;
  threads: number;
  /** XGBoost: booster.predict(DMatrix(x)), the DMatrix built each time. */
  dmatrixPredictRowsPerSecond?: number;
}

const BASELINES = (['xgboost', 'sklearn'] as const).flatMap((library) => THREADS.map((threads) => ({ library, threads })));

function writeData(dir: string, train: TrainingSplit, test: TrainingSplit): void {
  writeFileSync(join(dir, 'shape.json'), JSON.stringify({ features: FEATURES }));
  for (const [name, split] of [
    ['train', train],
    ['test', test],
  ] as const) {
    writeFileSync(join(dir, `${name}.x`), Buffer.from(split.features.buffer, split.features.byteOffset, split.features.byteLength));
    writeFileSync(join(dir, `${name}.y`), Buffer.from(split.labels.buffer, split.labels.byteOffset, split.labels.byteLength));
  }
}

function metric(task: 'binary' | 'regression', scores: Float64Array, test: TrainingSplit): number {
  if (task === 'binary') {
    let correct = 0;
    for (let row = 0; row < test.rows; row++) if (scores[2 * row + 1]! > 0.5 === (test.labels[row] === 1)) correct++;
    return correct / test.rows;
  }
  let squared = 0;
  for (let row = 0; row < test.rows; row++) squared += (scores[row]! - test.labels[row]!) ** 2;
  return Math.sqrt(squared / test.rows);
}

async function reproml(
  task: 'binary' | 'regression',
  train: TrainingSplit,
  test: TrainingSplit,
  threads: number[],
): Promise<Measurement & { predict: Record<number, number> }> {
  const onnxTask = task === 'binary' ? 'classification' : 'regression';
  const featureNames = Array.from({ length: FEATURES }, (_, f) => `f${f}`);
  const start = performance.now();
  const { model } = fitGbdt({
    config: CONFIG,
    task: onnxTask,
    featureNames,
    classes: task === 'binary' ? ['0', '1'] : undefined,
    train,
    rng: new SeededRandom(1),
  });
  const trainSeconds = (performance.now() - start) / 1000;
  const margins = predictMargins(model, test.features, test.rows);
  const scores = task === 'binary' ? marginsToProbabilities(model, margins, test.rows) : margins;
  const bytes = serializeModel(buildModel({ graph: buildTreeEnsembleGraph(model, onnxTask) }));
  const predict: Record<number, number> = {};
  let predictRowsPerCpuSecond = Number.NaN;
  for (const count of threads) {
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: count, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    const feeds = { features: new ort.Tensor('float32', test.features, [test.rows, FEATURES]) };
    await session.run(feeds);
    const rates: number[] = [];
    const cpuRates: number[] = [];
    for (let repeat = 0; repeat < PREDICT_REPEATS; repeat++) {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      await session.run(feeds);
      const cpu = process.cpuUsage(cpu0);
      rates.push(test.rows / ((performance.now() - t0) / 1000));
      cpuRates.push(test.rows / ((cpu.user + cpu.system) / 1e6));
    }
    if (count === 1) predictRowsPerCpuSecond = median(cpuRates);
    predict[count] = median(rates);
    await session.release();
  }
  return { trainSeconds, predictRowsPerSecond: predict[1]!, predictRowsPerCpuSecond, metric: metric(task, scores, test), predict };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const spread = (values: readonly number[], digits = 2) =>
  `${Math.min(...values).toFixed(digits)} / ${median(values).toFixed(digits)} / ${Math.max(...values).toFixed(digits)}`;
const compact = (value: number) => (value >= 1e6 ? `${(value / 1e6).toFixed(2)}M` : `${(value / 1e3).toFixed(0)}k`);

async function runTask(task: 'binary' | 'regression', dir: string): Promise<void> {
  const all = syntheticSplit({ rows: ROWS, features: FEATURES, task, seed: 2026 });
  const testRows = Math.round(ROWS * TEST_SHARE);
  const trainRows = ROWS - testRows;
  const slice = (from: number, rows: number): TrainingSplit => ({
    features: all.features.slice(from * FEATURES, (from + rows) * FEATURES),
    labels: all.labels.slice(from, from + rows),
    rows,
  });
  const train = slice(0, trainRows);
  const test = slice(trainRows, testRows);
  writeData(dir, train, test);
  console.log(
    `\n${task}: ${ROWS.toLocaleString('en')} × ${FEATURES} (train ${trainRows.toLocaleString('en')}, test ${testRows.toLocaleString('en')}), ${CONFIG.nTrees} trees, depth ${CONFIG.maxDepth}, learning rate ${CONFIG.learningRate}, λ ${CONFIG.l2}, ${CONFIG.maxBins} bins; ${ROUNDS} interleaved round(s)`,
  );

  const ours: Awaited<ReturnType<typeof reproml>>[] = [];
  const theirs = new Map<string, Baseline[]>();
  const pyConfig = JSON.stringify({ ...CONFIG, predictRepeats: PREDICT_REPEATS });
  for (let round = 1; round <= ROUNDS; round++) {
    ours.push(await reproml(task, train, test, THREADS));
    for (const { library, threads } of BASELINES) {
      const key = `${library} ${threads}`;
      const env = { OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: '1' };
      const result = runPythonJson<Baseline>(join(__dirname, 'baselines.py'), [dir, task, library, String(threads), pyConfig], env);
      theirs.set(key, [...(theirs.get(key) ?? []), result]);
    }
    process.stdout.write(`  round ${round}: ReproML ${ours.at(-1)!.trainSeconds.toFixed(2)} s\n`);
  }

  const metricName = task === 'binary' ? 'accuracy' : 'RMSE';
  const ourMetric = ours[0]!.metric;
  console.log(`  training seconds (min / median / max)   ReproML ${spread(ours.map((m) => m.trainSeconds))}`);
  for (const results of theirs.values()) {
    const ratios = results.map((result, round) => result.trainSeconds / ours[round]!.trainSeconds);
    console.log(
      `    ${results[0]!.library} ${results[0]!.version} (${results[0]!.threads} thread${results[0]!.threads > 1 ? 's' : ''})`.padEnd(40) +
        `${spread(results.map((r) => r.trainSeconds))} s   ReproML training speed ${spread(ratios)}×`,
    );
  }
  for (const threads of THREADS) {
    const oursRate = ours.map((m) => m.predict[threads]!);
    console.log(`  predict rows/s with ${threads} thread(s): ReproML (onnxruntime) ${compact(median(oursRate))}`);
    for (const [key, results] of theirs) {
      if (results[0]!.threads !== threads) continue;
      const ratios = results.map((result, round) => ours[round]!.predict[threads]! / result.predictRowsPerSecond);
      console.log(`    ${key.padEnd(12)} ${compact(median(results.map((r) => r.predictRowsPerSecond)))}   ReproML ${spread(ratios)}×`);
      if (threads === 1) {
        const perCpu = results.map((result, round) => ours[round]!.predictRowsPerCpuSecond / result.predictRowsPerCpuSecond);
        console.log(
          `    ${`${key} per CPU s`.padEnd(12)} ${compact(median(results.map((r) => r.predictRowsPerCpuSecond)))}   ReproML ${spread(perCpu)}× (ReproML ${compact(median(ours.map((m) => m.predictRowsPerCpuSecond)))} per CPU second)`,
        );
      }
      if (results[0]!.dmatrixPredictRowsPerSecond !== undefined) {
        const viaDMatrix = results.map((result, round) => ours[round]!.predict[threads]! / result.dmatrixPredictRowsPerSecond!);
        console.log(
          `    ${`${key} DMatrix`.padEnd(12)} ${compact(median(results.map((r) => r.dmatrixPredictRowsPerSecond!)))}   ReproML ${spread(viaDMatrix)}×`,
        );
      }
    }
  }
  const scale = task === 'binary' ? 100 : 1;
  console.log(`  test ${metricName}: ReproML ${(ourMetric * scale).toFixed(task === 'binary' ? 2 : 4)}${task === 'binary' ? '%' : ''}`);
  for (const [key, results] of theirs) {
    const value = results[0]!.metric;
    const diff = (ourMetric - value) * scale;
    console.log(
      `    ${key.padEnd(12)} ${(value * scale).toFixed(task === 'binary' ? 2 : 4)}${task === 'binary' ? '%' : ''}   ReproML − it: ${diff >= 0 ? '+' : ''}${diff.toFixed(task === 'binary' ? 2 : 4)}${task === 'binary' ? ' points' : ''}`,
    );
  }
}

async function main(): Promise<void> {
  ensurePythonModule('xgboost', 'python3-xgboost');
  ensurePythonModule('sklearn', 'python3-sklearn');
  const dir = mkdtempSync(join(tmpdir(), 'reproml-bench-gbdt-'));
  try {
    console.log(
      `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${ALL_THREADS} logical cores; Node ${process.version}, onnxruntime-node ${ort.env.versions.node ?? '?'}`,
    );
    for (const task of TASKS) await runTask(task, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
