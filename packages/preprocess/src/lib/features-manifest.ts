import { z } from 'zod';
import { rawInputSchema } from './fitted-transform';

/** File names a preprocess stage writes into `out/` (the contract with train/evaluate stages). */
export const PREPROCESS_FILES = {
  manifest: 'features.json',
  transform: 'transform.json',
  onnx: 'preprocess.onnx',
  features: (split: string) => `${split}.features.csv`,
  raw: (split: string) => `${split}.raw.csv`,
} as const;

/** `features.json`: what downstream stages need to read the split files and feed preprocess.onnx. */
export const featuresManifestSchema = z.object({
  schemaVersion: z.literal(1),
  task: z.enum(['classification', 'regression']),
  /** Name of the target column (the `label` column of the features files holds its encoding). */
  target: z.string(),
  /** Classification only: index = class id. */
  classes: z.array(z.string()).optional(),
  featureNames: z.array(z.string()),
  rawInputs: z.array(rawInputSchema),
  splits: z.object({
    train: z.object({ rows: z.number().int().nonnegative() }),
    validation: z.object({ rows: z.number().int().nonnegative() }),
    test: z.object({ rows: z.number().int().nonnegative() }),
  }),
});
export type FeaturesManifest = z.infer<typeof featuresManifestSchema>;
