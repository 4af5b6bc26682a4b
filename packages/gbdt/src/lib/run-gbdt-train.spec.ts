import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DataError, type StageContext } from '@reproml/core';
import { runTestStage } from '@reproml/core/testing';
import {
  checkWithPythonOnnx,
  evaluateStageConfigSchema,
  loadModel,
  readFeatureSplit,
  readFeaturesManifest,
  runEvaluate,
  runTrain,
  trainStageConfigSchema,
} from '@reproml/onnx';
import { FIXTURE_CLASSES, FIXTURE_FEATURES, writeFeatureFixture } from '@reproml/onnx/testing';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGbdtTrain } from './run-gbdt-train';

let root: string;

function stage(name: string, kind: string, config: Record<string, unknown>, work: (context: StageContext) => Promise<unknown>, outputDir?: string) {
  return runTestStage({ root, name, kind, config, work, outputDir });
}

const config = trainStageConfigSchema.parse({
  kind: 'train',
  inputs: { features: 'preprocess' },
  model: { family: 'gbdt', nTrees: 60, learningRate: 0.2, maxDepth: 3, earlyStopping: { patience: 8 } },
});

const train = (featuresDir: string, name = 'train', outputDir?: string) =>
  stage(name, 'train', config, (context) => runGbdtTrain({ context, config, featuresDir, upstream: 'p-preprocess' }), outputDir);

const dir = (name: string) => join(root, `pipelines/p/${name}/out`);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'reproml-gbdt-stage-'));
  await writeFeatureFixture({ dir: dir('preprocess') });
  await train(dir('preprocess'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('gbdt train stage', () => {
  it('writes the files every train stage writes; model.json has the ensemble and per-feature importance', async () => {
    expect((await readdir(dir('train'))).sort()).toEqual(['lineage.json', 'model.json', 'model.onnx', 'training-curve.json']);
    const info = JSON.parse(await readFile(join(dir('train'), 'model.json'), 'utf8'));
    expect(info).toMatchObject({ family: 'gbdt', task: 'classification', classes: FIXTURE_CLASSES, ensemble: { objective: 'multiclass-logloss', outputs: 3 } });
    expect(info.ensemble.trees).toBe(3 * info.bestRound);
    expect(info.featureImportance.map((entry: { feature: string }) => entry.feature)).toEqual(FIXTURE_FEATURES);
    // x0 and x1 separate the three classes; the random tag does not.
    const gain = Object.fromEntries(info.featureImportance.map((entry: { feature: string; gain: number }) => [entry.feature, entry.gain]));
    expect(Math.min(gain.x0, gain.x1)).toBeGreaterThan(Math.max(gain.tag_p, gain.tag_q));
    const curve = JSON.parse(await readFile(join(dir('train'), 'training-curve.json'), 'utf8'));
    expect(curve).toMatchObject({ unit: 'round', bestEpoch: info.bestRound });
    expect(curve.epochs).toHaveLength(info.roundsRun);
  });

  it('records the same seed in model.json as in lineage.json when the stage file sets none', async () => {
    expect(config.seed).toBeUndefined();
    const info = JSON.parse(await readFile(join(dir('train'), 'model.json'), 'utf8'));
    const lineage = JSON.parse(await readFile(join(dir('train'), 'lineage.json'), 'utf8'));
    expect(lineage.seed).toBe(42);
    expect(info.seed).toBe(lineage.seed);
  });

  it('model.onnx takes raw rows (preprocessing fused), passes the strict checker, and classifies raw rows (a missing x0 included)', async () => {
    const bytes = await readFile(join(dir('train'), 'model.onnx'));
    const python = checkWithPythonOnnx(bytes);
    if (python.available) expect(python.valid ? 'valid' : python.message).toBe('valid');
    const session = await ort.InferenceSession.create(bytes);
    expect([...session.inputNames]).toEqual(['x0', 'x1', 'tag']);
    const out = await session.run({
      x0: new ort.Tensor('float32', Float32Array.from([3, -1, NaN]), [3, 1]),
      x1: new ort.Tensor('float32', Float32Array.from([1, 1, -3]), [3, 1]),
      tag: new ort.Tensor('string', ['p', 'q', 'p'], [3, 1]),
    });
    // label holds the data's classes, class_id their index.
    expect(out.label!.data).toEqual(['adelie', 'chinstrap', 'gentoo']);
    expect(Array.from(out.class_id!.data as BigInt64Array)).toEqual([0n, 1n, 2n]);
    await session.release();
  });

  it('evaluate runs unchanged on the gbdt model', async () => {
    const evaluateConfig = evaluateStageConfigSchema.parse({
      kind: 'evaluate',
      inputs: { model: 'train', features: 'preprocess' },
      thresholds: { accuracy: '>= 0.85' },
    });
    await stage('evaluate', 'evaluate', evaluateConfig, (context) =>
      runEvaluate({
        context,
        config: evaluateConfig,
        modelDir: dir('train'),
        modelStage: 'p-train',
        featuresDir: dir('preprocess'),
        featuresStage: 'p-preprocess',
      }),
    );
    const metrics = JSON.parse(await readFile(join(dir('evaluate'), 'metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({ task: 'classification', rows: 45 });
    expect(typeof metrics.logLoss).toBe('number');
  });

  it('is deterministic: a second clean run writes byte-identical artifacts', async () => {
    const again = join(root, 'again/out');
    await train(dir('preprocess'), 'again', again);
    for (const name of ['model.onnx', 'training-curve.json', 'model.json']) {
      expect((await readFile(join(again, name))).equals(await readFile(join(dir('train'), name))), name).toBe(true);
    }
  });

  it('does not depend on the thread setting: threads 2 writes the same model.onnx (training is single-threaded, in a fixed order)', async () => {
    const threaded = trainStageConfigSchema.parse({ ...config, threads: 2 });
    const out = join(root, 'threaded/out');
    await stage(
      'threaded',
      'train',
      threaded,
      (context) => runGbdtTrain({ context, config: threaded, featuresDir: dir('preprocess'), upstream: 'p-preprocess' }),
      out,
    );
    expect((await readFile(join(out, 'model.onnx'))).equals(await readFile(join(dir('train'), 'model.onnx')))).toBe(true);
  });

  it('trains through missing feature values (NaN in the feature files), which the network families refuse', async () => {
    const holes = join(root, 'holes');
    await writeFeatureFixture({ dir: holes, mutateFeatures: (_split, rows) => rows.forEach((row, index) => index % 5 === 0 && (row[0] = NaN)) });
    await train(holes, 'holes');
    const model = await loadModel({ path: join(dir('holes'), 'model.onnx') });
    expect(model.signature.task).toBe('classification');
    const manifest = await readFeaturesManifest({ path: join(holes, 'features.json'), file: 'features.json' });
    const split = await readFeatureSplit({ path: join(holes, 'train.features.csv'), file: 'train.features.csv', manifest });
    expect(split.features.filter(Number.isNaN).length).toBeGreaterThan(0);
    const mlp = trainStageConfigSchema.parse({ kind: 'train', inputs: { features: 'preprocess' }, model: { family: 'mlp', hiddenLayers: [4] } });
    await expect(
      stage('holes-mlp', 'train', mlp, (context) => runTrain({ context, config: mlp, featuresDir: holes, upstream: 'p-preprocess' })),
    ).rejects.toThrow(/feature 'x0' is NaN in row 1/);
  });

  it('still refuses ±Infinity, naming the file, and writes nothing', async () => {
    const bad = join(root, 'infinite');
    await writeFeatureFixture({ dir: bad, mutateFeatures: (split, rows) => split === 'validation' && (rows[2]![1] = Infinity) });
    const error = await train(bad, 'infinite').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toMatch(/validation\.features\.csv: column 'x1' holds an infinite number at line 4/);
    expect((error as DataError).file).toBe('p-preprocess/out/validation.features.csv');
    expect(existsSync(dir('infinite'))).toBe(false);
  });

  it('trains regression (squared error) and reports RMSE on the validation split', async () => {
    const regression = join(root, 'regression');
    await writeFeatureFixture({ dir: regression, task: 'regression' });
    await train(regression, 'regression');
    const info = JSON.parse(await readFile(join(dir('regression'), 'model.json'), 'utf8'));
    expect(info.ensemble).toMatchObject({ objective: 'squared-error', outputs: 1 });
    const curve = JSON.parse(await readFile(join(dir('regression'), 'training-curve.json'), 'utf8'));
    expect(curve.validationMetric).toBe('rmse');
    expect(curve.epochs.at(-1).validationMetric).toBeLessThan(curve.epochs[0].validationMetric);
  });

  it('refuses a "training" section (gbdt takes its hyper-parameters under "model"), and the network trainer refuses gbdt', async () => {
    expect(() => trainStageConfigSchema.parse({ kind: 'train', inputs: { features: 'p' }, model: { family: 'gbdt' }, training: { epochs: 5 } })).toThrow(
      /gbdt models take their hyper-parameters under/,
    );
    await expect(
      stage('wrong-trainer', 'train', config, (context) => runTrain({ context, config, featuresDir: dir('preprocess'), upstream: 'p-preprocess' })),
    ).rejects.toBeInstanceOf(ConfigError);
  });
});
