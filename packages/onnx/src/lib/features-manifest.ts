import { readConfigFile } from '@reproml/core';
import { z } from 'zod';

/** One raw column the fused model takes as an [N, 1] input. */
export const rawInputSchema = z.object({
  name: z.string(),
  kind: z.enum(['number', 'string']),
  onnxName: z.string(),
});
export type RawInput = z.infer<typeof rawInputSchema>;

/** `features.json` as a preprocess stage writes it (the data contract); extra fields are tolerated. */
export const featuresManifestSchema = z.object({
  schemaVersion: z.literal(1),
  task: z.enum(['classification', 'regression']),
  target: z.string(),
  classes: z.array(z.string()).optional(),
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
  preprocessOnnx: 'preprocess.onnx',
  features: (split: SplitName) => `${split}.features.csv`,
  raw: (split: SplitName) => `${split}.raw.csv`,
} as const;

export type SplitName = 'train' | 'validation' | 'test';

export async function readFeaturesManifest(params: { path: string; file: string; stage?: string }): Promise<FeaturesManifest> {
  return readConfigFile(featuresManifestSchema, params.path, params.file, params.stage);
}
