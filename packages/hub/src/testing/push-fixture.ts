import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LineageRecord, type ProgressEvent, parseConfig, runStage, sha256OfBytes, stableStringify } from '@reproml/core';
import type { metricsDocumentSchema, modelInfoSchema } from '@reproml/onnx/contracts';
import type { z } from 'zod';
import type { ModelRegistry } from '../lib/model-registry';
import { type PushStageConfig, pushStageConfigSchema } from '../lib/push-stage-config';
import { type PushReceipt, runPush } from '../lib/run-push';

export const DATASET_REVISION = 'a'.repeat(40);
const CLASSES = ['Adelie', 'Gentoo'] as const;

/**
 * A workspace with the outputs of a finished pipeline (data → preprocess → train →
 * evaluate) and their lineage records, without running any of it: what a push stage reads.
 */
export interface PushFixture {
  root: string;
  modelOutDir: string;
  metricsOutDir: string;
  /** Writes new model bytes (and the train lineage that records them). */
  writeModel(bytes: Uint8Array): string;
}

const ENVIRONMENT = {
  node: 'v20.20.2',
  platform: 'linux',
  arch: 'x64',
  packages: { '@reproml/core': '0.1.0', '@reproml/onnx': '0.1.0', 'onnxruntime-node': '1.30.0' },
  lockfileSha256: 'b'.repeat(64),
};

export function createPushFixture(
  params: {
    modelBytes?: Uint8Array;
    accuracy?: number;
    git?: boolean;
    family?: 'logistic' | 'gbdt';
    /** Fields written over the evaluate stage's metrics.json (and recorded in its lineage), e.g. to break its contract. */
    metricsOverride?: Record<string, unknown>;
  } = {},
): PushFixture {
  const root = mkdtempSync(join(tmpdir(), 'reproml-push-'));
  const write = (path: string, content: string | Uint8Array) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    return { path, sha256: sha256OfBytes(bytes), size: bytes.byteLength };
  };
  const lineage = (
    stage: string,
    kind: string,
    config: Record<string, unknown>,
    inputs: { path: string; sha256: string; size: number; from: string }[],
    outputs: { path: string; sha256: string; size: number }[],
    summary: Record<string, unknown>,
    seed = 42,
  ) => {
    const record: LineageRecord = {
      schemaVersion: 1,
      stage: { name: `demo-${stage}`, pipeline: 'demo', kind, file: `pipelines/demo/${stage}/stage.json` },
      config: { kind, ...config },
      seed,
      inputs,
      outputs: outputs.map((output) => ({ ...output, path: output.path.split('/out/')[1]! })),
      environment: ENVIRONMENT,
      summary,
    };
    write(`pipelines/demo/${stage}/out/lineage.json`, stableStringify(record));
  };

  const csv = write('pipelines/demo/data/out/penguins.csv', 'species,bill\nAdelie,39.1\nGentoo,46.5\n');
  lineage('data', 'pull', { files: { penguins: { source: 'hf://datasets/acme/penguins/penguins.csv', revision: 'main' } } }, [], [csv], {
    files: [
      {
        key: 'penguins',
        source: 'hf://datasets/acme/penguins/penguins.csv',
        revision: DATASET_REVISION,
        sha256: csv.sha256,
        rows: 2,
        columns: 2,
        size: csv.size,
      },
    ],
  });
  const features = write('pipelines/demo/preprocess/out/train.features.csv', 'bill,label\n-1,0\n1,1\n');
  const transform = write('pipelines/demo/preprocess/out/transform.json', stableStringify({ schemaVersion: 1, scale: { bill: { mean: 42.8, std: 3.7 } } }));
  lineage(
    'preprocess',
    'preprocess',
    {
      target: { column: 'species', task: 'classification' },
      impute: [{ columns: ['bill'], strategy: 'median' }],
      scale: [{ columns: ['bill'], method: 'standard' }],
      split: { train: 0.7, validation: 0.15, test: 0.15 },
    },
    [{ ...csv, from: 'demo-data' }],
    [features, transform],
    {},
    7,
  );
  const writeModel = (bytes: Uint8Array): string => {
    const model = write('pipelines/demo/train/out/model.onnx', bytes);
    const gbdt = params.family === 'gbdt';
    const info = write('pipelines/demo/train/out/model.json', stableStringify(modelInfo(gbdt)));
    // A gbdt stage's parsed config still holds the (unused) training defaults.
    const training = { epochs: 50, optimizer: { type: 'adam', learningRate: 0.01 } };
    lineage(
      'train',
      'train',
      gbdt ? { model: { family: 'gbdt', nTrees: 100, learningRate: 0.1, maxDepth: 3 }, training } : { model: { family: 'logistic' }, training },
      [{ ...features, from: 'demo-preprocess' }],
      [model, info],
      gbdt ? { roundsRun: 60, bestRound: 40, trees: 40, stoppedEarly: true } : { epochsRun: 50, bestEpoch: 44 },
    );
    const metrics = write(
      'pipelines/demo/evaluate/out/metrics.json',
      stableStringify({ ...metricsDocument(params.accuracy ?? 0.97), ...params.metricsOverride }),
    );
    lineage('evaluate', 'evaluate', { thresholds: {} }, [{ ...model, from: 'demo-train' }], [metrics], { accuracy: params.accuracy ?? 0.97 });
    return model.sha256;
  };
  writeModel(params.modelBytes ?? randomBytes(4096));
  if (params.git) {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'ignore' });
    writeFileSync(join(root, '.gitignore'), 'pipelines/*/*/out\n.reproml\n.*.building-*\n.*.previous-*\n.*.tmp-*\n');
    writeFileSync(join(root, 'pipelines/demo/README.md'), '# demo pipeline\n');
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=test', '-c', 'user.email=test@example.org', 'commit', '-q', '-m', 'fixture');
  }
  return { root, modelOutDir: 'pipelines/demo/train/out', metricsOutDir: 'pipelines/demo/evaluate/out', writeModel };
}

export interface RunPushStageResult {
  receipt: PushReceipt;
  logs: string[];
}

/** Runs a push stage on the fixture the way the executor does (runStage: temp output, lineage, run metadata). */
export async function runPushStage(params: {
  fixture: PushFixture;
  config: Record<string, unknown>;
  registry: ModelRegistry;
  env: NodeJS.ProcessEnv;
}): Promise<RunPushStageResult> {
  const config: PushStageConfig = parseConfig({
    schema: pushStageConfigSchema,
    value: { kind: 'push', inputs: { model: 'train', metrics: 'evaluate' }, ...params.config },
    file: 'pipelines/demo/push/stage.json',
  });
  const logs: string[] = [];
  let receipt: PushReceipt | undefined;
  await runStage({
    stage: { name: 'demo-push', pipeline: 'demo', kind: 'push', file: 'pipelines/demo/push/stage.json' },
    config: config as unknown as Record<string, unknown>,
    workspaceRoot: params.fixture.root,
    outputDir: join(params.fixture.root, 'pipelines/demo/push/out'),
    packages: ['@reproml/core'],
    onProgress: (event: ProgressEvent) => {
      if (event.type === 'log') logs.push(`${event.level}: ${event.message}`);
    },
    work: async (context) => {
      receipt = await runPush({
        context,
        config,
        modelOutDir: params.fixture.modelOutDir,
        metricsOutDir: params.fixture.metricsOutDir,
        registry: params.registry,
        env: params.env,
      });
    },
  });
  return { receipt: receipt!, logs };
}

/** metrics.json as an evaluate stage writes it (the `metricsOutput` contract). */
function metricsDocument(accuracy: number): z.input<typeof metricsDocumentSchema> {
  return {
    schemaVersion: 1,
    split: 'test',
    thresholds: {},
    task: 'classification',
    rows: 2,
    accuracy,
    precision: 0.95,
    recall: 0.94,
    f1: 0.96,
    rocAuc: 0.99,
    logLoss: 0.08,
    confusionMatrix: [
      [1, 0],
      [0, 1],
    ],
    perClass: CLASSES.map((name) => ({ class: name, precision: 1, recall: 1, f1: 1, support: 1 })),
  };
}

/** model.json as a train stage writes it (the `modelInfoOutput` contract). */
function modelInfo(gbdt: boolean): z.input<typeof modelInfoSchema> {
  const base = {
    schemaVersion: 1 as const,
    seed: 42,
    task: 'classification' as const,
    target: 'species',
    classes: [...CLASSES],
    featureNames: ['bill'],
    rawInputs: [{ name: 'bill', kind: 'number' as const, onnxName: 'bill' }],
    outputs: { label: 'int64 [N] class id', probabilities: 'float [N, C]' },
  };
  return gbdt
    ? {
        ...base,
        family: 'gbdt',
        model: { family: 'gbdt', nTrees: 100, learningRate: 0.1, maxDepth: 3 },
        ensemble: { objective: 'binary', outputs: 1, trees: 40, leaves: 120, baseMargins: [0] },
        featureImportance: [{ feature: 'bill', gain: 12, splits: 40 }],
        bestRound: 40,
        roundsRun: 60,
      }
    : {
        ...base,
        family: 'logistic',
        model: { family: 'logistic' },
        training: { epochs: 50, optimizer: { type: 'adam', learningRate: 0.01 } },
        network: { inputSize: 1, hiddenLayers: [], outputSize: 2, loss: 'cross-entropy' },
        bestEpoch: 44,
        epochsRun: 50,
      };
}
