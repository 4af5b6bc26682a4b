import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ProgressEvent, runStage, type StageContext } from '@reproml/core';
import { readModelSignature, runTrain, trainStageConfigSchema } from '@reproml/onnx';
import { type FixtureRow, fixtureRows, writeFeatureFixture } from '@reproml/onnx/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTransformFixture } from '../testing/transform-fixture';
import type { DriftReport } from './drift-report';
import { driftStageConfigSchema } from './drift-stage-config';
import { runDrift } from './run-drift';

/**
 * Prediction drift of a real regression model: the regression feature fixture (target
 * y = 2·x0 − x1 ± 0.5 + noise) trained into model.onnx by the train stage, then the drift
 * stage on a batch from the training distribution and on a batch whose x0 is shifted.
 */
let root: string;
const dir = (stage: string) => join(root, 'pipelines/p', stage, 'out');
const logs = new Map<string, string[]>();

async function stage(name: string, kind: string, config: Record<string, unknown>, work: (context: StageContext) => Promise<unknown>) {
  const lines: string[] = [];
  logs.set(name, lines);
  return runStage({
    stage: { name: `p-${name}`, pipeline: 'p', kind, file: `pipelines/p/${name}/stage.json` },
    config,
    seed: 42,
    workspaceRoot: root,
    outputDir: dir(name),
    packages: [],
    runMetadataPath: join(root, '.reproml', name, 'last-run.json'),
    onProgress: (event: ProgressEvent) => void (event.type === 'log' && lines.push(`${event.level} ${event.message}`)),
    work: async (context) => void (await work(context)),
  });
}

function batchCsv(rows: FixtureRow[]): string {
  return `x0,x1,tag\n${rows.map((row) => [Number.isNaN(row.x0) ? '' : row.x0, row.x1, row.tag].join(',')).join('\n')}\n`;
}

/** Runs the drift stage (onAlert "record") on the batch rows and returns out/drift.json as written. */
async function drift(name: string, rows: FixtureRow[]): Promise<DriftReport> {
  await mkdir(dir(`${name}-batch`), { recursive: true });
  await writeFile(join(dir(`${name}-batch`), 'batch.csv'), batchCsv(rows));
  const config = driftStageConfigSchema.parse({ kind: 'drift', inputs: { batch: `${name}-batch`, features: 'preprocess', model: 'train' }, onAlert: 'record' });
  await stage(name, 'drift', config, (context) =>
    runDrift({
      context,
      config,
      batch: { dir: dir(`${name}-batch`), stage: `p-${name}-batch` },
      features: { dir: dir('preprocess'), stage: 'p-preprocess' },
      model: { dir: dir('train'), stage: 'p-train' },
    }),
  );
  const report = JSON.parse(await readFile(join(dir(name), 'drift.json'), 'utf8')) as DriftReport;
  const { prediction } = report;
  console.info(
    `${name}: verdict ${report.verdict}, alerts [${report.alerts.join(', ')}]; prediction PSI ${prediction?.psi.toFixed(4)}, KS D ${prediction?.ks?.statistic.toFixed(4)}, p ${prediction?.pValue?.toExponential(3)} (${prediction?.ks?.method}, ${prediction?.rows.reference} vs ${prediction?.rows.batch} rows, level ${report.significanceLevel})`,
  );
  return report;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'reproml-drift-regression-'));
  await writeFeatureFixture({ dir: dir('preprocess'), task: 'regression', rows: { train: 300, validation: 90, test: 150 } });
  // The drift stage reads the string columns' missing markers from transform.json; this fixture has none.
  const manifest = JSON.parse(await readFile(join(dir('preprocess'), 'features.json'), 'utf8'));
  writeTransformFixture({
    dir: dir('preprocess'),
    task: 'regression',
    target: manifest.target,
    rawInputs: manifest.rawInputs,
    featureNames: manifest.featureNames,
  });
  const config = trainStageConfigSchema.parse({
    kind: 'train',
    inputs: { features: 'preprocess' },
    model: { family: 'mlp', hiddenLayers: [8] },
    training: { epochs: 60, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.02 } },
  });
  await stage('train', 'train', config, (context) => runTrain({ context, config, featuresDir: dir('preprocess'), upstream: 'p-preprocess' }));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('prediction drift of a regression model', () => {
  it('the trained model.onnx is a regression model whose test-split predictions track the target', async () => {
    const signature = readModelSignature(await readFile(join(dir('train'), 'model.onnx')));
    expect(signature.task).toBe('regression');
    expect(signature.classes).toBeUndefined();
    console.info(
      logs
        .get('train')!
        .filter((line) => line.includes('best epoch'))
        .join('\n'),
    );
    expect(
      logs.get('train')!.some((line) => /best epoch \d+ of \d+.*validation rmse 0\.[0-4]/.test(line)),
      logs.get('train')!.join('\n'),
    ).toBe(true);
  });

  it('a batch from the training distribution: predictions compared as numbers by KS, no prediction-drift alert', async () => {
    const report = await drift('same', fixtureRows(200, 7));
    const prediction = report.prediction!;
    expect(prediction).toMatchObject({
      name: 'prediction',
      kind: 'number',
      test: 'kolmogorov-smirnov',
      referenceSplit: 'test',
      excludedRows: 0,
      verdict: 'ok',
    });
    expect(prediction.rows).toEqual({ reference: 150, batch: 200 });
    expect(prediction.ks!.statistic).toBeLessThan(0.15);
    expect(prediction.pValue).toBeGreaterThan(report.significanceLevel);
    expect(prediction.pValue).toBe(prediction.ks!.pValue);
    expect(prediction.distribution.kind).toBe('histogram');
    // The binned values are the model's predicted y: the median of the test-split predictions
    // (the middle decile edge) sits near the median of the test split's true target.
    const testTargets = (await readFile(join(dir('preprocess'), 'test.raw.csv'), 'utf8'))
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => Number(line.split(',')[3]));
    const edges = (prediction.distribution as { edges: number[] }).edges;
    expect(Math.abs(edges[5]! - median(testTargets))).toBeLessThan(0.5);
    expect(report.alerts).toEqual([]);
    expect(report.verdict).toBe('ok');
  });

  it('a batch with x0 shifted by +2: the predictions move by about +4 and the prediction column alerts with its KS statistic', async () => {
    const shifted = fixtureRows(200, 7).map((row) => ({ ...row, x0: row.x0 + 2 }));
    const report = await drift('shifted', shifted);
    const prediction = report.prediction!;
    expect(prediction).toMatchObject({ name: 'prediction', kind: 'number', test: 'kolmogorov-smirnov', significant: true, verdict: 'alert' });
    expect(report.alerts).toContain('prediction');
    expect(report.verdict).toBe('alert');
    expect(prediction.psi).toBeGreaterThanOrEqual(0.25);
    expect(prediction.ks!.statistic).toBeGreaterThan(0.3);
    expect(prediction.pValue).toBe(prediction.ks!.pValue);
    expect(prediction.pValue).toBeLessThan(report.significanceLevel);
    expect(prediction.reasons[0]).toMatch(/^alert: PSI [\d.]+ ≥ 0\.25 \(KS D [\d.]+, p/);
    // x1 and tag were not shifted: only x0 and the predictions drift.
    expect(report.alerts).toEqual(['x0', 'prediction']);
    expect(logs.get('shifted')!.some((line) => line.startsWith('warn drift alert recorded') && line.includes('prediction'))).toBe(true);
  });
});
