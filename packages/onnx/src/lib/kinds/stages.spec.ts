import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, readStageOutput, type StageContext } from '@reproml/core';
import { runTestStage } from '@reproml/core/testing';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_CLASSES, writeFeatureFixture } from '../../testing/feature-fixture';
import { metricsOutput } from '../contracts/metrics-document';
import { modelInfoOutput } from '../contracts/model-info-document';
import { evaluateStageConfigSchema } from '../evaluation/evaluate-stage-config';
import { runEvaluate } from '../evaluation/run-evaluate';
import { ThresholdError } from '../evaluation/thresholds';
import { checkWithPythonOnnx } from '../graph/python-onnx-checker';
import { loadModel } from '../inference/inference-runner';
import { predictFile } from '../inference/predict-file';
import { predictInWorker, predictStageConfigSchema } from '../inference/predict-stage-config';
import { runPredict } from '../inference/run-predict';
import { runTrain } from '../training/run-train';
import { trainStageConfigSchema } from '../training/train-stage-config';

let root: string;
const featuresDir = () => join(root, 'pipelines/p/preprocess/out');

function stage(name: string, kind: string, config: Record<string, unknown>, work: (context: StageContext) => Promise<unknown>, outputDir?: string) {
  return runTestStage({ root, name, kind, config, work, outputDir });
}

const trainConfig = trainStageConfigSchema.parse({
  kind: 'train',
  inputs: { features: 'preprocess' },
  model: { family: 'mlp', hiddenLayers: [8] },
  training: { epochs: 25, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.02 } },
});

async function train(outputDir?: string) {
  return stage(
    'train',
    'train',
    trainConfig,
    (context) => runTrain({ context, config: trainConfig, featuresDir: featuresDir(), upstream: 'p-preprocess' }),
    outputDir,
  );
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'reproml-onnx-stages-'));
  await writeFeatureFixture({ dir: featuresDir() });
  await train();
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('train stage', () => {
  it('writes model.onnx, training-curve.json and model.json, with inputs and hyper-parameters in the lineage', async () => {
    const out = join(root, 'pipelines/p/train/out');
    expect((await readdir(out)).sort()).toEqual(['lineage.json', 'model.json', 'model.onnx', 'training-curve.json']);
    const lineage = JSON.parse(await readFile(join(out, 'lineage.json'), 'utf8'));
    expect(lineage.inputs.map((input: { path: string }) => input.path)).toEqual(
      ['features.json', 'preprocess.onnx', 'train.features.csv', 'validation.features.csv'].map((name) => `pipelines/p/preprocess/out/${name}`),
    );
    expect(lineage.config.training.optimizer).toEqual({ type: 'adam', learningRate: 0.02, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    const curve = JSON.parse(await readFile(join(out, 'training-curve.json'), 'utf8'));
    expect(curve.epochs[0]).toHaveProperty('validationLoss');
    // Read back through the train kind's declared contract, as push and the run report read it.
    const info = await readStageOutput(modelInfoOutput, join(out, 'model.json'), 'p-train/out/model.json');
    expect(info).toMatchObject({ family: 'mlp', classes: FIXTURE_CLASSES, task: 'classification', network: { hiddenLayers: [8] } });
  });

  it('records the same seed in model.json as in lineage.json when the stage file sets none (the stage context is the one source)', async () => {
    expect(trainConfig.seed).toBeUndefined();
    const out = join(root, 'pipelines/p/train/out');
    const lineage = JSON.parse(await readFile(join(out, 'lineage.json'), 'utf8'));
    const info = JSON.parse(await readFile(join(out, 'model.json'), 'utf8'));
    expect(lineage.seed).toBe(42);
    expect(info.seed).toBe(lineage.seed);
  });

  it('fuses the preprocessing in front: model.onnx takes raw columns and outputs label and probabilities', async () => {
    const bytes = await readFile(join(root, 'pipelines/p/train/out/model.onnx'));
    const session = await ort.InferenceSession.create(bytes);
    expect([...session.inputNames]).toEqual(['x0', 'x1', 'tag']);
    const out = await session.run({
      x0: new ort.Tensor('float32', Float32Array.from([3, -1, NaN]), [3, 1]),
      x1: new ort.Tensor('float32', Float32Array.from([1, 1, -3]), [3, 1]),
      tag: new ort.Tensor('string', ['p', 'q', 'unseen'], [3, 1]),
    });
    // label holds the data's classes, class_id their index.
    expect(out.label!.data).toEqual(['adelie', 'chinstrap', 'gentoo']);
    expect(Array.from(out.class_id!.data as BigInt64Array)).toEqual([0n, 1n, 2n]);
    const probabilities = out.probabilities!.data as Float32Array;
    expect(probabilities.length).toBe(9);
    expect(probabilities[0]! + probabilities[1]! + probabilities[2]!).toBeCloseTo(1, 5);
    const python = checkWithPythonOnnx(bytes);
    if (python.available) expect(python.valid ? 'valid' : python.message).toBe('valid');
  });

  it('is deterministic: a second clean run writes byte-identical artifacts', async () => {
    const again = join(root, 'again/out');
    await train(again);
    for (const name of ['model.onnx', 'training-curve.json', 'model.json']) {
      expect((await readFile(join(again, name))).equals(await readFile(join(root, 'pipelines/p/train/out', name)))).toBe(true);
    }
  });

  it('fails on a NaN feature without leaving an output folder', async () => {
    const bad = join(root, 'bad');
    await writeFeatureFixture({ dir: bad, mutateFeatures: (split, rows) => split === 'train' && (rows[3]![1] = NaN) });
    const outputDir = join(root, 'bad-train/out');
    const error = await stage(
      'bad-train',
      'train',
      trainConfig,
      (context) => runTrain({ context, config: trainConfig, featuresDir: bad, upstream: 'p-preprocess' }),
      outputDir,
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toMatch(/train split: feature 'x1' is NaN in row 4/);
    expect(existsSync(outputDir)).toBe(false);
  });

  it('fails on a feature file whose columns do not match features.json', async () => {
    const bad = join(root, 'mismatch');
    await writeFeatureFixture({ dir: bad, mutateFeatures: (_split, rows) => rows.forEach((row) => row.splice(3, 0, 0)) });
    const file = join(bad, 'train.features.csv');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('tag_q,label', 'tag_q,extra,label'));
    await expect(
      stage(
        'mismatch',
        'train',
        trainConfig,
        (context) => runTrain({ context, config: trainConfig, featuresDir: bad, upstream: 'p-preprocess' }),
        join(root, 'mm/out'),
      ),
    ).rejects.toThrow(/has 5 feature columns .* but features.json names 4/);
  });
});

describe('evaluate stage', () => {
  const config = (thresholds: Record<string, unknown>) =>
    evaluateStageConfigSchema.parse({ kind: 'evaluate', inputs: { model: 'train', features: 'preprocess' }, thresholds });
  const evaluate = (thresholds: Record<string, unknown>, name = 'evaluate') =>
    stage(name, 'evaluate', config(thresholds), (context) =>
      runEvaluate({
        context,
        config: config(thresholds),
        modelDir: join(root, 'pipelines/p/train/out'),
        modelStage: 'p-train',
        featuresDir: featuresDir(),
        featuresStage: 'p-preprocess',
      }),
    );

  it('runs the raw test rows through model.onnx and writes metrics.json', async () => {
    await evaluate({ accuracy: '>= 0.8', logLoss: { max: 1 } });
    const metrics = await readStageOutput(metricsOutput, join(root, 'pipelines/p/evaluate/out/metrics.json'), 'p-evaluate/out/metrics.json');
    expect(metrics).toMatchObject({ task: 'classification', split: 'test', rows: 45 });
    if (metrics.task !== 'classification') throw new Error('expected classification metrics');
    expect(metrics.accuracy).toBeGreaterThan(0.8);
    expect(metrics.confusionMatrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(45);
    for (const name of ['precision', 'recall', 'f1', 'rocAuc', 'logLoss'] as const) expect(typeof metrics[name]).toBe('number');
  });

  it('fails with the unmet thresholds and their values, writing nothing', async () => {
    const error = await evaluate({ accuracy: '>= 0.9999', f1: { min: 0.2 } }, 'evaluate-strict').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ThresholdError);
    expect((error as Error).message).toMatch(/^model below threshold: accuracy 0\.\d{4} is not >= 0.9999$/);
    expect(existsSync(join(root, 'pipelines/p/evaluate-strict/out'))).toBe(false);
  });

  it('refuses an unknown metric name with a suggestion', async () => {
    await expect(evaluate({ acuracy: '>= 0.5' }, 'evaluate-typo')).rejects.toThrow(/unknown metric 'acuracy' in thresholds \(did you mean 'accuracy'\?\)/);
    expect(() => config({ accuracy: '≥ 0.5' })).toThrow();
  });
});

describe('predict stage', () => {
  const predict = async (data: string, name: string, key?: string, batchSize = 7, session?: 'main' | 'worker') => {
    await writeFile(join(root, `${name}.csv`), data);
    const config = predictStageConfigSchema.parse({
      kind: 'predict',
      inputs: { model: 'train' },
      data: { path: `${name}.csv` },
      batchSize,
      ...(key ? { key } : {}),
      ...(session ? { session } : {}),
    });
    await stage(name, 'predict', config, (context) =>
      runPredict({
        context,
        config,
        modelDir: join(root, 'pipelines/p/train/out'),
        modelStage: 'p-train',
        data: { path: join(root, `${name}.csv`), file: `${name}.csv`, from: 'stage' },
      }),
    );
    return readFile(join(root, `pipelines/p/${name}/out/predictions.csv`), 'utf8');
  };

  it('streams rows in batches and writes key, class name and probabilities', async () => {
    const raw = await readFile(join(featuresDir(), 'test.raw.csv'), 'utf8');
    const withKey = raw
      .split('\n')
      .map((line, index) => (line === '' ? line : `${index === 0 ? 'id' : `"penguin ${index}, #"`},${line}`))
      .join('\n');
    const text = await predict(withKey, 'predict', 'id');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('id,label,probability_adelie,probability_chinstrap,probability_gentoo');
    expect(lines).toHaveLength(46);
    expect(lines[1]).toMatch(/^"penguin 1, #",(adelie|chinstrap|gentoo),[0-9.e-]+,[0-9.e-]+,[0-9.e-]+$/);
    // the same rows through evaluate's path agree with the raw file's species most of the time
    const species = raw
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[3]);
    const agree = lines.slice(1).filter((line, index) => line.split(',')[2] === species[index]).length;
    expect(agree / 45).toBeGreaterThan(0.8);
    // batch size does not change the output
    expect(await predict(withKey, 'predict-one-batch', 'id', 1000)).toBe(text);
  });

  it('copies the key through as the readers decode it (quotes, escapes, non-ASCII, missing), the same from CSV, TSV and JSONL', async () => {
    const raw = (await readFile(join(featuresDir(), 'test.raw.csv'), 'utf8')).trimEnd().split('\n');
    const header = raw[0]!.split(',');
    const rows = raw.slice(1).map((line) => line.split(','));
    // The key's value per row (null: missing) and how each format spells it.
    const keys = rows.map((_, index) => [`penguin ${index}, #`, `say "hi" ${index}`, `ü-${index}`, null, `5" pipe ${index}`, `tab\t${index}`][index % 6]!);
    const csvCell = (key: string | null) => (key === null ? 'NA' : /[",\n]/.test(key) ? `"${key.replaceAll('"', '""')}"` : key);
    const tsvCell = (key: string | null) => (key === null ? '' : key.includes('\t') ? `"${key.replaceAll('"', '""')}"` : key);
    const csv = [`key,${header.join(',')}`, ...rows.map((cells, index) => `${csvCell(keys[index]!)},${cells.join(',')}`)].join('\n');
    const tsv = [`key\t${header.join('\t')}`, ...rows.map((cells, index) => `${tsvCell(keys[index]!)}\t${cells.join('\t')}`)].join('\n');
    // The fixture's raw columns: x0 and x1 numbers (x0 sometimes empty), tag and the target text.
    const value = (name: string, cell: string) => (name === 'x0' || name === 'x1' ? (cell === '' ? null : Number(cell)) : cell);
    const jsonl = rows
      .map((cells, index) => JSON.stringify({ key: keys[index], ...Object.fromEntries(header.map((name, c) => [name, value(name, cells[c]!)])) }))
      .join('\n');
    const text = await predict(csv, 'predict-keys', 'key', 4);
    const written = text
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => line.replace(/(,[^,]*){4}$/, ''));
    expect(written).toEqual(keys.map((key) => (key === null ? '' : /[",\n]/.test(key) ? `"${key.replaceAll('"', '""')}"` : key)));
    const model = await loadModel({ path: join(root, 'pipelines/p/train/out/model.onnx') });
    try {
      for (const [name, content] of [
        ['keys.tsv', tsv],
        ['keys.jsonl', jsonl],
      ] as const) {
        await writeFile(join(root, name), content);
        await predictFile({ model, input: { path: join(root, name), file: name }, outputPath: join(root, `${name}.out.csv`), key: 'key', batchSize: 5 });
        expect(await readFile(join(root, `${name}.out.csv`), 'utf8'), name).toBe(text);
      }
    } finally {
      await model.release();
    }
  });

  it('writes, on the main thread (one batch running ahead) and in a worker, exactly what predictFile writes with a worker-thread session; a bad row in a later batch fails typed', async () => {
    const raw = await readFile(join(featuresDir(), 'test.raw.csv'), 'utf8');
    const text = await predict(raw, 'predict-main', undefined, 4, 'main');
    expect(await predict(raw, 'predict-worker', undefined, 4, 'worker')).toBe(text);
    const model = await loadModel({ path: join(root, 'pipelines/p/train/out/model.onnx'), worker: true });
    try {
      await writeFile(join(root, 'worker.csv'), raw);
      await predictFile({
        model,
        input: { path: join(root, 'worker.csv'), file: 'worker.csv' },
        outputPath: join(root, 'worker.out.csv'),
        batchSize: 1000,
      });
    } finally {
      await model.release();
    }
    expect(text).toBe(await readFile(join(root, 'worker.out.csv'), 'utf8'));
    const lines = raw.trimEnd().split('\n');
    const ragged = [...lines.slice(0, 30), lines[30]!.replace(/,[^,]*$/, ''), ...lines.slice(31)].join('\n');
    for (const session of ['main', 'worker'] as const) {
      await expect(predict(ragged, `predict-ragged-${session}`, undefined, 4, session)).rejects.toThrow(
        new RegExp(`predict-ragged-${session}\\.csv: line 31 has \\d+ field\\(s\\), the header has \\d+`),
      );
    }
  });

  it("runs the session in a worker with 'auto' when the process may use 2 or more cores", () => {
    expect(predictStageConfigSchema.parse({ kind: 'predict', inputs: { model: 'train' }, data: { path: 'x.csv' } }).session).toBe('auto');
    expect([1, 2, 8].map((cores) => predictInWorker('auto', cores))).toEqual([false, true, true]);
    expect([1, 8].map((cores) => predictInWorker('main', cores))).toEqual([false, false]);
    expect([1, 8].map((cores) => predictInWorker('worker', cores))).toEqual([true, true]);
  });

  it('names missing input columns, with the closest match, before reading rows', async () => {
    await expect(predict('x0,x1,tags\n1,2,p\n', 'predict-bad')).rejects.toThrow(
      /predict-bad.csv does not match the model's inputs: missing column 'tag' \(did you mean 'tags'\?\)/,
    );
  });
});
