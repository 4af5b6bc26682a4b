import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeStageOutput } from '@reproml/core';
import { FEATURE_FILES, type FeaturesManifest, featuresOutput } from '@reproml/onnx/contracts';
import { exportTransformOnnx } from './export-transform-onnx';
import { transformOutput } from './fitted-transform';
import type { PreprocessResult } from './preprocess-table';
import { SPLIT_NAMES } from './split-rows';
import { writeFeaturesCsv, writeRawCsv } from './write-split-csv';

export interface WritePreprocessOutputsParams {
  /** Folder to write into (the stage's temp output folder: runStage makes it appear atomically). */
  outDir: string;
  result: PreprocessResult;
  /** Called before each file is written, for progress. */
  onFile?: (name: string) => void;
}

/** Writes the preprocess contract: features.json, transform.json, preprocess.onnx and the split CSVs. */
export async function writePreprocessOutputs(params: WritePreprocessOutputsParams): Promise<FeaturesManifest> {
  const { outDir, result } = params;
  const { transform } = result;
  const manifest: FeaturesManifest = {
    schemaVersion: 1,
    task: transform.task,
    target: transform.target,
    ...(transform.classes ? { classes: transform.classes } : {}),
    ...(transform.classKind ? { classKind: transform.classKind } : {}),
    featureNames: transform.featureNames,
    rawInputs: transform.rawInputs,
    splits: {
      train: { rows: result.splits.train.length },
      validation: { rows: result.splits.validation.length },
      test: { rows: result.splits.test.length },
    },
  };
  const write = async (name: string, data: string | Uint8Array) => {
    params.onFile?.(name);
    await writeFile(join(outDir, name), data);
  };
  params.onFile?.(featuresOutput.file);
  await writeStageOutput(featuresOutput, outDir, manifest);
  params.onFile?.(transformOutput.file);
  await writeStageOutput(transformOutput, outDir, transform);
  await write(FEATURE_FILES.preprocessOnnx, exportTransformOnnx(transform));
  for (const split of SPLIT_NAMES) {
    const rows = result.splits[split];
    params.onFile?.(FEATURE_FILES.features(split));
    await writeFeaturesCsv({
      path: join(outDir, FEATURE_FILES.features(split)),
      blocks: result.transformed.blocks,
      labels: result.transformed.labels,
      rows,
    });
    params.onFile?.(FEATURE_FILES.raw(split));
    await writeRawCsv({ path: join(outDir, FEATURE_FILES.raw(split)), columns: [...result.features, result.target], rows });
  }
  return manifest;
}
