import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stableStringify } from '@reproml/core';
import { featuresOutput, type RawInput } from '@reproml/onnx/contracts';
import { type FittedTransform, transformOutput } from '@reproml/preprocess/contracts';

/**
 * Writes a preprocess stage's transform.json for drift tests: a valid `transformOutput`
 * document (no imputation or scaling; the string columns carry `missingValues`), which is
 * all the drift stage reads from it.
 */
export function writeTransformFixture(params: {
  dir: string;
  task: FittedTransform['task'];
  target: string;
  rawInputs: readonly RawInput[];
  featureNames: readonly string[];
  missingValues?: Readonly<Record<string, readonly string[]>>;
  /** String inputs parsed as dates by the preprocess stage: name → format (null = ISO-8601). */
  dates?: Readonly<Record<string, string | null>>;
}): void {
  const transform: FittedTransform = {
    schemaVersion: 1,
    task: params.task,
    target: params.target,
    rawInputs: [...params.rawInputs],
    columns: params.rawInputs.map((input): FittedTransform['columns'][number] =>
      input.kind === 'number'
        ? { name: input.name, kind: 'number', impute: null, scale: null }
        : params.dates && input.name in params.dates
          ? {
              name: input.name,
              kind: 'date',
              format: params.dates[input.name] ?? null,
              missingValues: [...(params.missingValues?.[input.name] ?? [])],
              features: [{ feature: 'daysSinceEpoch', name: `${input.name}.daysSinceEpoch`, impute: null, scale: null }],
            }
          : {
              name: input.name,
              kind: 'string',
              missingValues: [...(params.missingValues?.[input.name] ?? [])],
              impute: null,
              encode: { method: 'onehot', categories: [], unseen: 'ignore' },
            },
    ),
    featureNames: [...params.featureNames],
    fittedOn: { split: 'train', rows: 1 },
  };
  writeFileSync(join(params.dir, transformOutput.file), stableStringify(transformOutput.schema.parse(transform)));
}

/** Writes a preprocess stage's features.json for drift tests through its contract (`featuresOutput`): a classification with `classes` and `trainRows` training rows. */
export function writeFeaturesFixture(params: {
  dir: string;
  target: string;
  classes: readonly string[];
  rawInputs: readonly RawInput[];
  featureNames: readonly string[];
  trainRows: number;
}): void {
  const manifest = featuresOutput.schema.parse({
    schemaVersion: 1,
    task: 'classification',
    target: params.target,
    classes: [...params.classes],
    featureNames: [...params.featureNames],
    rawInputs: [...params.rawInputs],
    splits: { train: { rows: params.trainRows }, validation: { rows: 0 }, test: { rows: 0 } },
  });
  writeFileSync(join(params.dir, featuresOutput.file), stableStringify(manifest));
}
