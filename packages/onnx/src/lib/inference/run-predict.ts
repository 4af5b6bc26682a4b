import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { StageContext } from '@reproml/core';
import { TRAIN_FILES } from '../training/run-train';
import { loadModel } from './inference-runner';
import { predictFile } from './predict-file';
import { type PredictStageConfig, predictInWorker } from './predict-stage-config';

export const PREDICT_FILES = { predictions: 'predictions.csv' } as const;

export interface RunPredictParams {
  context: StageContext;
  config: PredictStageConfig;
  /** Absolute output folder and project name of the train stage. */
  modelDir: string;
  modelStage: string;
  /** Absolute path and display name of the data file. */
  data: { path: string; file: string; from: string };
}

/** The predict stage: model.onnx over the data file in batches → out/predictions.csv. */
export async function runPredict(params: RunPredictParams): Promise<{ rows: number }> {
  const { context, config } = params;
  const modelFile = { path: join(params.modelDir, TRAIN_FILES.model), file: `${params.modelStage}/out/${TRAIN_FILES.model}` };
  await context.recordInput(modelFile.path, params.modelStage);
  await context.recordInput(params.data.path, params.data.from);
  const model = await loadModel({ ...modelFile, threads: config.threads, worker: predictInWorker(config.session, availableParallelism()) });
  try {
    context.progress({ type: 'phase', phase: 'predict', detail: params.data.file });
    const result = await predictFile({
      model,
      input: { path: params.data.path, file: params.data.file, format: config.data.format },
      outputPath: join(context.outDir, PREDICT_FILES.predictions),
      key: config.key,
      batchSize: config.batchSize,
      onBatch: (rows) => context.progress({ type: 'progress', phase: 'predict', done: rows, unit: 'rows' }),
    });
    context.log(`wrote ${result.rows} predictions to ${PREDICT_FILES.predictions}`);
    context.summarize({ rows: result.rows });
    return result;
  } finally {
    await model.release();
  }
}
