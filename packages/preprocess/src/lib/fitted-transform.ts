import { defineStageOutput } from '@reproml/core';
import { classKindSchema, FEATURE_FILES, rawInputSchema } from '@reproml/onnx/contracts';
import { z } from 'zod';
import { resolvedColumnsSchema } from './column-selector';
import { DATE_FEATURES } from './date-features';

/**
 * `transform.json`: everything needed to apply the transform to new rows, fitted on the
 * training split only. Applying it (in TypeScript or through preprocess.onnx) reads
 * nothing else, so serving cannot drift from training.
 */
export const FITTED_TRANSFORM_VERSION = 1;

const numberImputeSchema = z.object({ strategy: z.enum(['mean', 'median', 'most_frequent', 'constant']), value: z.number() });
const stringImputeSchema = z.object({ strategy: z.enum(['most_frequent', 'constant']), value: z.string() });

export const fittedScaleSchema = z.object({
  method: z.enum(['standard', 'minmax']),
  /** Applied as (x - offset) * scale, exactly like the ai.onnx.ml Scaler. */
  offset: z.number(),
  scale: z.number(),
  /** The training statistics behind offset and scale (mean/std or min/max), for auditors. */
  statistics: z.record(z.string(), z.number()),
});
export type FittedScale = z.infer<typeof fittedScaleSchema>;

export const fittedEncodingSchema = z.object({
  method: z.enum(['onehot', 'ordinal']),
  /** Category order: index = one-hot position or ordinal code. */
  categories: z.array(z.string()),
  unseen: z.enum(['error', 'ignore']),
  /** Ordinal code of an unseen value under unseen "ignore". */
  unknownValue: z.number().optional(),
});
export type FittedEncoding = z.infer<typeof fittedEncodingSchema>;

export const fittedNumberColumnSchema = z.object({
  name: z.string(),
  kind: z.literal('number'),
  impute: numberImputeSchema.nullable(),
  scale: fittedScaleSchema.nullable(),
  /** Missing values stay NaN (no impute rule, `keepMissing` in the spec); absent = they are an error. */
  keepMissing: z.literal(true).optional(),
});

export const fittedStringColumnSchema = z.object({
  name: z.string(),
  kind: z.literal('string'),
  /** Values that mean "missing" besides null and "". */
  missingValues: z.array(z.string()),
  impute: stringImputeSchema.nullable(),
  encode: fittedEncodingSchema,
});

/** One number feature derived from a date column, imputed and scaled like a number column. */
export const fittedDateFeatureSchema = z.object({
  feature: z.enum(DATE_FEATURES),
  /** Feature name, `<column>.<feature>`. */
  name: z.string(),
  impute: numberImputeSchema.nullable(),
  scale: fittedScaleSchema.nullable(),
  keepMissing: z.literal(true).optional(),
});
export type FittedDateFeature = z.infer<typeof fittedDateFeatureSchema>;

/** A text column parsed as a date (its raw input is a string). */
export const fittedDateColumnSchema = z.object({
  name: z.string(),
  kind: z.literal('date'),
  /** The date format of the spec; null = ISO-8601. */
  format: z.string().nullable(),
  /** Values that mean "missing" besides null and "". */
  missingValues: z.array(z.string()),
  features: z.array(fittedDateFeatureSchema).min(1),
});

export const fittedColumnSchema = z.discriminatedUnion('kind', [fittedNumberColumnSchema, fittedStringColumnSchema, fittedDateColumnSchema]);
export type FittedColumn = z.infer<typeof fittedColumnSchema>;
export type FittedNumberColumn = z.infer<typeof fittedNumberColumnSchema>;
export type FittedStringColumn = z.infer<typeof fittedStringColumnSchema>;
export type FittedDateColumn = z.infer<typeof fittedDateColumnSchema>;

export const fittedTransformSchema = z.object({
  schemaVersion: z.literal(FITTED_TRANSFORM_VERSION),
  task: z.enum(['classification', 'regression']),
  target: z.string(),
  /** Classification only: index = class id. */
  classes: z.array(z.string()).optional(),
  /** Classification only: `number` when the target held numbers (class names are their shortest text, model.onnx labels are numbers). */
  classKind: classKindSchema.optional(),
  /** One entry per raw input, in feature order; `columns[i]` belongs to `rawInputs[i]`. */
  rawInputs: z.array(rawInputSchema),
  columns: z.array(fittedColumnSchema),
  featureNames: z.array(z.string()),
  fittedOn: z.object({ split: z.literal('train'), rows: z.number().int().nonnegative() }),
  /**
   * The columns every `columns` field of the spec resolved to (names, patterns and selectors),
   * so a column that appears in the data and is picked up by a selector changes this file.
   */
  resolvedColumns: z.array(resolvedColumnsSchema).optional(),
});
export type FittedTransform = z.infer<typeof fittedTransformSchema>;

/** `transform.json` as a contract: declared by the preprocess kind, validated when read. */
export const transformOutput = defineStageOutput({
  file: FEATURE_FILES.transform,
  description: 'the transform fitted on the training split (imputation, encoding, scaling per raw column)',
  schema: fittedTransformSchema,
});
