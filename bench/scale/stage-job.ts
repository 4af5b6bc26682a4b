/**
 * One stage of the bench/scale pipeline, in its own process (so its peak RSS is its own):
 * the real stage function inside runStage, as the executor runs it, over the previous
 * stage's out/ folder in `workDir`. Prints one JSON line with the rows it handled.
 *   node -r @swc-node/register bench/scale/stage-job.ts <pull|preprocess|train|evaluate|predict> <workDir>
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runStage, type StageContext } from '../../packages/core/src';
import { datasetLockSchema, pullStageConfigSchema, readTable, runPull } from '../../packages/data/src';
import { evaluateStageConfigSchema, predictStageConfigSchema, runEvaluate, runPredict, runTrain, trainStageConfigSchema } from '../../packages/onnx/src';
import { preprocessStageConfigSchema, runPreprocess } from '../../packages/preprocess/src';
import { CATEGORICAL_COLUMNS, LABEL_COLUMN, NUMERIC_COLUMNS } from '../preprocess/generate-data';

export const SCALE_STAGES = ['pull', 'preprocess', 'train', 'evaluate', 'predict'] as const;
type ScaleStage = (typeof SCALE_STAGES)[number];
/** The generated file, relative to the work folder (the bench's workspace root). */
export const DATA_FILE = 'data.csv';
export const LOCK_FILE = 'stage.lock.json';

const out = (workDir: string, stage: string) => join(workDir, stage, 'out');

function configOf(stage: ScaleStage): Record<string, unknown> {
  switch (stage) {
    case 'pull':
      return pullStageConfigSchema.parse({ kind: 'pull', files: { bench: { source: DATA_FILE } } });
    case 'preprocess':
      return preprocessStageConfigSchema.parse({
        kind: 'preprocess',
        inputs: { dataset: 'pull' },
        target: { column: LABEL_COLUMN },
        impute: [{ columns: NUMERIC_COLUMNS, strategy: 'mean' }],
        encode: [{ columns: CATEGORICAL_COLUMNS, method: 'onehot' }],
        scale: [{ columns: NUMERIC_COLUMNS, method: 'standard' }],
        split: { train: 0.8, validation: 0, test: 0.2 },
      });
    case 'train':
      // One epoch in large mini-batches: the bench measures reading and holding the data, not convergence.
      return trainStageConfigSchema.parse({
        kind: 'train',
        inputs: { features: 'preprocess' },
        model: { family: 'logistic' },
        training: { epochs: 1, batchSize: 4096, earlyStopping: false },
      });
    case 'evaluate':
      return evaluateStageConfigSchema.parse({ kind: 'evaluate', inputs: { model: 'train', features: 'preprocess' } });
    case 'predict':
      return predictStageConfigSchema.parse({ kind: 'predict', inputs: { model: 'train', data: 'pull' }, data: { from: 'data', path: 'bench.csv' } });
  }
}

async function work(stage: ScaleStage, workDir: string, context: StageContext, config: Record<string, unknown>): Promise<void> {
  switch (stage) {
    case 'pull': {
      const lock = datasetLockSchema.parse(JSON.parse(readFileSync(join(workDir, LOCK_FILE), 'utf8')));
      await runPull({ context, config: config as never, lock, stageFile: 'pull/stage.json', lockFile: LOCK_FILE });
      return;
    }
    case 'preprocess':
      await runPreprocess({
        context,
        config: config as never,
        stageDir: join(workDir, 'preprocess'),
        datasetDir: out(workDir, 'pull'),
        upstream: 'scale-pull',
        readTable: (file) => readTable({ path: file.path, format: file.format }),
      });
      return;
    case 'train':
      await runTrain({ context, config: config as never, featuresDir: out(workDir, 'preprocess'), upstream: 'scale-preprocess' });
      return;
    case 'evaluate':
      await runEvaluate({
        context,
        config: config as never,
        modelDir: out(workDir, 'train'),
        modelStage: 'scale-train',
        featuresDir: out(workDir, 'preprocess'),
        featuresStage: 'scale-preprocess',
      });
      return;
    case 'predict': {
      const path = join(out(workDir, 'pull'), 'bench.csv');
      await runPredict({
        context,
        config: config as never,
        modelDir: out(workDir, 'train'),
        modelStage: 'scale-train',
        data: { path, file: 'pull/out/bench.csv', from: 'scale-pull' },
      });
      return;
    }
  }
}

async function main(): Promise<void> {
  const [stage, workDir] = process.argv.slice(2) as [ScaleStage, string];
  if (!SCALE_STAGES.includes(stage)) throw new Error(`unknown stage '${stage}' (one of ${SCALE_STAGES.join(', ')})`);
  const config = configOf(stage);
  const started = performance.now();
  await runStage({
    stage: { name: `scale-${stage}`, pipeline: 'scale', kind: stage, file: `${stage}/stage.json` },
    config,
    seed: 1,
    workspaceRoot: workDir,
    outputDir: out(workDir, stage),
    packages: ['zod'],
    onProgress: () => undefined,
    work: (context) => work(stage, workDir, context, config),
  });
  console.log(JSON.stringify({ seconds: (performance.now() - started) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
