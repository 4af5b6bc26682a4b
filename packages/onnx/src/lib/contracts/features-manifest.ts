import { defineStageOutput, readStageOutput } from '@reproml/core';
import { z } from 'zod';

/** One raw column the fused model takes as an [N, 1] input. */
export const rawInputSchema = z.object({
  /** Column name in the data. */
  name: z.string(),
  /** Kind after casts: numbers go into the graph as tensor(float) (NaN = missing), strings as tensor(string) ("" = missing). */
  kind: z.enum(['number', 'string']),
  /** Name of the [N, 1] input of preprocess.onnx (and of the fused model). */
  onnxName: z.string(),
});
export type RawInput = z.infer<typeof rawInputSchema>;

/** What a classification target held: text, or numbers (whose shortest text names the classes). */
export const classKindSchema = z.enum(['string', 'number']);
export type ClassKind = z.infer<typeof classKindSchema>;

/**
 * `features.json`: what the stages that read a preprocess stage's features (train, evaluate,
 * drift) need to read its split files and feed preprocess.onnx. Defined here, the lowest
 * package that reads it; the preprocess kind declares it as an output and validates it when
 * writing. Extra fields are tolerated.
 */
export const featuresManifestSchema = z.object({
  schemaVersion: z.literal(1),
  task: z.enum(['classification', 'regression']),
  /** Name of the target column (the `label` column of the features files holds its encoding). */
  target: z.string(),
  /** Classification only: index = class id. */
  classes: z.array(z.string()).optional(),
  /** Classification only: what the target column held; a number target's class names are its values' shortest text. Absent: string. */
  classKind: classKindSchema.optional(),
  featureNames: z.array(z.string()).min(1),
  rawInputs: z.array(rawInputSchema).min(1),
  splits: z.object({
    train: z.object({ rows: z.number().int().nonnegative() }),
    validation: z.object({ rows: z.number().int().nonnegative() }),
    test: z.object({ rows: z.number().int().nonnegative() }),
  }),
});
export type FeaturesManifest = z.infer<typeof featuresManifestSchema>;

/** File names in a preprocess stage's `out/` (the contract). */
export const FEATURE_FILES = {
  manifest: 'features.json',
  transform: 'transform.json',
  preprocessOnnx: 'preprocess.onnx',
  features: (split: SplitName) => `${split}.features.csv`,
  raw: (split: SplitName) => `${split}.raw.csv`,
} as const;

export type SplitName = 'train' | 'validation' | 'test';

export const featuresOutput = defineStageOutput({
  file: FEATURE_FILES.manifest,
  description: 'the feature names, raw inputs, target, classes and split sizes of a preprocess stage',
  schema: featuresManifestSchema,
});

export async function readFeaturesManifest(params: { path: string; file: string; stage?: string }): Promise<FeaturesManifest> {
  return readStageOutput(featuresOutput, params.path, params.file, params.stage);
}
