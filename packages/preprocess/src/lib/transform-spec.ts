import { z } from 'zod';
import { columnSelectorSchema, columnsSchema, namedColumns } from './column-selector';
import { DATE_FEATURE_MEANINGS, DATE_FEATURES, DEFAULT_DATE_FEATURES } from './date-features';

/**
 * The declarative transform spec of a preprocess stage. Every field documents its default;
 * the order the steps run in is fixed (see README "Preprocessing"):
 * read → casts → missingValues → custom → filters → columns → split → fit on train → apply.
 */

const columnName = z.string().min(1);
/** Columns a rule applies to: names, glob patterns ("pixel_*") and selectors ({ "type": "number" }, { "except": ["id"] }). */
const columnList = columnsSchema.meta({
  description:
    'Columns: a name, a glob pattern ("pixel_*"), a selector ({ "type": "number" | "string" | "date" }, { "pattern": "x_*" }, { "except": ["id"] }, combinable), or a list of these. Resolved against the data at fit time and recorded in transform.json.',
});

export const castSchema = z.enum(['number', 'string']);

export const customTransformSchema = z
  .object({
    module: z
      .string()
      .regex(/^\.\//, 'should be a path relative to the stage folder, starting with "./"')
      .refine((path) => !path.split('/').includes('..'), 'should stay inside the stage folder (no "..")')
      .meta({ description: 'TypeScript/JavaScript module in the stage folder (so it is hashed with the stage), e.g. "./add-ratios.ts".' }),
    export: z
      .string()
      .regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/)
      .default('default')
      .meta({ description: 'Exported function `(df: DataFrame, context) => DataFrame`. Default: "default".' }),
  })
  .strict();
export type CustomTransformSpec = z.infer<typeof customTransformSchema>;

const scalar = z.union([z.string(), z.number()]);

export const rowFilterSchema = z.discriminatedUnion('op', [
  z
    .object({
      op: z.literal('dropMissing'),
      columns: columnList,
      how: z.enum(['all', 'any']).default('all').meta({ description: 'Drop a row when all (or any) of the columns are missing. Default: "all".' }),
    })
    .strict(),
  z.object({ op: z.enum(['notNull', 'isNull']), column: columnName }).strict(),
  z.object({ op: z.enum(['eq', 'ne']), column: columnName, value: scalar }).strict(),
  z.object({ op: z.enum(['in', 'notIn']), column: columnName, values: z.array(scalar).min(1) }).strict(),
  z.object({ op: z.enum(['gt', 'ge', 'lt', 'le']), column: columnName, value: z.number() }).strict(),
]);
export type RowFilter = z.infer<typeof rowFilterSchema>;

export const imputeRuleSchema = z
  .object({
    columns: columnList,
    strategy: z
      .enum(['mean', 'median', 'most_frequent', 'constant'])
      .meta({ description: 'mean/median: number columns; most_frequent (ties: smallest value) and constant: either kind.' }),
    value: scalar.optional().meta({ description: 'The fill value of strategy "constant" (a number or a string, matching the column).' }),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.strategy === 'constant' && rule.value === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'strategy "constant" needs a "value"' });
    }
    if (rule.strategy !== 'constant' && rule.value !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `"value" is only used by strategy "constant", not "${rule.strategy}"` });
    }
  });
export type ImputeRule = z.infer<typeof imputeRuleSchema>;

export const encodeRuleSchema = z
  .object({
    columns: columnList,
    method: z
      .enum(['onehot', 'ordinal'])
      .default('onehot')
      .meta({ description: 'onehot: one feature per category; ordinal: one feature, the category index. Default: "onehot".' }),
    unseen: z.enum(['error', 'ignore']).default('error').meta({
      description:
        'A value that is not a fitted category (or a missing value left after imputation): "error" fails, "ignore" encodes all zeros (onehot) or unknownValue (ordinal). Default: "error".',
    }),
    unknownValue: z.number().default(-1).meta({ description: 'Ordinal code of an unseen value under unseen "ignore". Default: -1.' }),
    categories: z
      .record(columnName, z.array(z.string().min(1)).min(1))
      .default({})
      .meta({ description: 'Fixed category order per column. Default: the sorted (code point order) values of the training split.' }),
  })
  .strict();
export type EncodeRule = z.infer<typeof encodeRuleSchema>;

export const dateRuleSchema = z
  .object({
    columns: columnList,
    format: z.string().min(2).optional().meta({
      description:
        'How the text is written when it is not ISO-8601: numeric directives %Y %m %d %H %M %S with a separator between each two, e.g. "%d/%m/%Y". Default: ISO-8601 ("2024-02-29", "2024-02-29T13:45:00", a zone is ignored).',
    }),
    features: z
      .array(z.enum(DATE_FEATURES))
      .min(1)
      .default([...DEFAULT_DATE_FEATURES])
      .meta({
        description: `Number features derived from each date, named "<column>.<feature>": ${DATE_FEATURES.map((f) => `${f} (${DATE_FEATURE_MEANINGS[f]})`).join(', ')}. Default: ${DEFAULT_DATE_FEATURES.join(', ')}.`,
      }),
  })
  .strict();
export type DateRule = z.infer<typeof dateRuleSchema>;

export const scaleRuleSchema = z
  .object({
    columns: columnList,
    method: z
      .enum(['standard', 'minmax'])
      .meta({ description: 'standard: (x - mean) / std (population std; 1 when 0); minmax: (x - min) / (max - min) (range 1 when 0).' }),
  })
  .strict();
export type ScaleRule = z.infer<typeof scaleRuleSchema>;

export const splitSpecSchema = z
  .object({
    train: z.number().gt(0).lt(1).or(z.literal(1)).default(0.7).meta({ description: 'Fraction of rows for training. Default: 0.7.' }),
    validation: z.number().min(0).lt(1).default(0.15).meta({ description: 'Fraction of rows for validation. Default: 0.15.' }),
    test: z.number().min(0).lt(1).default(0.15).meta({ description: 'Fraction of rows for test. Default: 0.15.' }),
    stratify: columnName.optional().meta({ description: 'Column whose class proportions every split keeps (usually the target). Default: none.' }),
  })
  .strict()
  .refine((split) => Math.abs(split.train + split.validation + split.test - 1) < 1e-9, {
    message: 'train + validation + test should add up to 1',
  });
export type SplitSpec = z.infer<typeof splitSpecSchema>;

export const targetSpecSchema = z
  .object({
    column: columnName.meta({ description: 'The column to predict; never a feature.' }),
    task: z
      .enum(['classification', 'regression'])
      .default('classification')
      .meta({ description: 'classification: label = class id; regression: label = the number. Default: "classification".' }),
    classes: z
      .array(z.string().min(1))
      .min(2)
      .optional()
      .meta({ description: 'Fixed class order (index = class id). Default: sorted (code point order) classes of the training split.' }),
  })
  .strict();
export type TargetSpec = z.infer<typeof targetSpecSchema>;

export const columnSelectionSchema = z
  .object({
    select: columnList.optional().meta({ description: 'Keep only these columns (names in this order, selectors in file order). Default: all.' }),
    drop: z
      .union([columnSelectorSchema, z.array(columnSelectorSchema)])
      .default([])
      .meta({ description: 'Drop these columns (names, glob patterns or selectors; a selector never matches the target). Default: none.' }),
  })
  .strict();

/** The transform fields of a preprocess stage file (the stage base fields come from the stage schema). */
export const transformSpecShape = {
  target: targetSpecSchema,
  casts: z.record(columnName, castSchema).default({}).meta({
    description:
      'Type casts applied first, e.g. { "zip": "string" }; a key may be a glob pattern ({ "code_*": "string" }); a value that does not parse fails. Default: none.',
  }),
  missingValues: z.record(columnName, z.array(z.string()).min(1)).default({}).meta({
    description:
      'String values that mean "missing" per string column, e.g. { "Sex": ["."] } (empty strings always do); a key may be a glob pattern over the text columns ({ "*": ["NA"] }). The exported graph maps them too. Default: none.',
  }),
  custom: z.array(customTransformSchema).default([]).meta({
    description: 'Custom row-wise transforms over a danfojs DataFrame, run before filters and the split. Not part of preprocess.onnx. Default: none.',
  }),
  filters: z.array(rowFilterSchema).default([]).meta({ description: 'Row filters; a row is kept when it passes every one. Default: none.' }),
  columns: columnSelectionSchema.default({ drop: [] }).meta({ description: 'Which columns to keep as raw inputs. Default: all.' }),
  dates: z.array(dateRuleSchema).default([]).meta({
    description:
      'Date/time columns parsed into number features (also inside preprocess.onnx, which takes the raw text); impute and scale rules that name a date column apply to each of its features. Default: none.',
  }),
  impute: z.array(imputeRuleSchema).default([]).meta({ description: 'Imputation rules, fitted on the training split. Default: none.' }),
  keepMissing: z.boolean().default(false).meta({
    description:
      'Missing numbers in a column with no impute rule stay missing (NaN in the features and in preprocess.onnx) instead of failing: for gbdt models, which learn where to send them. Default: false.',
  }),
  encode: z.array(encodeRuleSchema).default([]).meta({ description: 'Categorical encodings; every string feature column needs one. Default: none.' }),
  scale: z.array(scaleRuleSchema).default([]).meta({ description: 'Scaling of number columns, fitted on the training split after imputation. Default: none.' }),
  split: splitSpecSchema.default({ train: 0.7, validation: 0.15, test: 0.15 }).meta({ description: 'Seeded train/validation/test split.' }),
};

export const transformSpecSchema = z.object(transformSpecShape).strict().superRefine(checkRuleOverlaps);
export type TransformSpec = z.infer<typeof transformSpecSchema>;

/**
 * A column may appear in one impute, one encode, one scale and one dates rule, never encoded
 * and scaled or encoded and parsed as a date. Checked here for the names a spec lists; columns
 * that selectors resolve to are checked again at fit time (`checkResolvedRules`).
 */
export function checkRuleOverlaps(
  spec: Pick<TransformSpec, 'impute' | 'encode' | 'scale' | 'target'> & Partial<Pick<TransformSpec, 'dates'>>,
  ctx: z.RefinementCtx,
): void {
  const ruleSets = { impute: spec.impute, encode: spec.encode, scale: spec.scale, dates: spec.dates ?? [] } as const;
  const owner = new Map<string, string>();
  for (const [step, rules] of Object.entries(ruleSets)) {
    for (const [ruleIndex, rule] of rules.entries()) {
      for (const { name: column, path: columnPath } of namedColumns(rule.columns, ['columns'])) {
        const path = [step, ruleIndex, ...columnPath];
        if (column === spec.target.column) {
          ctx.addIssue({ code: 'custom', path, message: `'${column}' is the target column; it cannot be a feature (${step})` });
        }
        const key = `${step}\u0000${column}`;
        const previous = owner.get(key);
        if (previous) ctx.addIssue({ code: 'custom', path, message: `'${column}' is already in ${previous}; one ${step} rule per column` });
        else owner.set(key, `${step}[${ruleIndex}]`);
      }
    }
  }
  for (const step of ['scale', 'dates'] as const) {
    for (const [ruleIndex, rule] of ruleSets[step].entries()) {
      for (const { name: column, path: columnPath } of namedColumns(rule.columns, ['columns'])) {
        if (owner.has(`encode\u0000${column}`)) {
          ctx.addIssue({
            code: 'custom',
            path: [step, ruleIndex, ...columnPath],
            message:
              step === 'scale'
                ? `'${column}' is encoded as a category; only number columns are scaled`
                : `'${column}' is encoded as a category; a column is either encoded or parsed as a date`,
          });
        }
      }
    }
  }
  for (const [ruleIndex, rule] of spec.encode.entries()) {
    const named = namedColumns(rule.columns, []).map((entry) => entry.name);
    if (named.length !== (Array.isArray(rule.columns) ? rule.columns.length : 1)) continue; // selectors: checked at fit time
    for (const column of Object.keys(rule.categories)) {
      if (!named.includes(column)) {
        ctx.addIssue({
          code: 'custom',
          path: ['encode', ruleIndex, 'categories', column],
          message: `categories are given for '${column}', which this rule does not encode (columns: ${named.join(', ')})`,
        });
      }
    }
  }
}
