import { defineStageOutput } from '@reproml/core';
import { z } from 'zod';
import { CATEGORY_CAP } from './category-counter';
import { SKETCH_LEVEL_CAPACITY } from './quantile-sketch';

/** The version `pull` writes. Version 1 (before sketches: every figure exact) is read as version 2 with every column exact. */
export const PROFILE_SCHEMA_VERSION = 2;

const common = {
  name: z.string(),
  /** Present (non-missing) values. */
  count: z.number().int().nonnegative(),
  nulls: z.number().int().nonnegative(),
  nullFraction: z.number(),
};

export const numberColumnProfileSchema = z.object({
  ...common,
  kind: z.literal('number'),
  min: z.number().nullable(),
  max: z.number().nullable(),
  mean: z.number().nullable(),
  /** Sample standard deviation (n − 1), null below two values. */
  std: z.number().nullable(),
  quantiles: z.array(z.object({ q: z.number(), value: z.number() })),
  /**
   * Equal-frequency bins of the present values: bin i is [edges[i], edges[i+1]) and the last
   * bin is closed. Repeated edges are merged, so there may be fewer than ten bins.
   */
  histogram: z.object({ edges: z.array(z.number()), counts: z.array(z.number().int().nonnegative()) }),
  /**
   * True when the quantiles, histogram, mean and std come from every value; false when the
   * column had more values than the quantile sketch keeps (`SKETCH_LEVEL_CAPACITY`): then
   * the quantiles, inner edges and bin counts are estimates (see `rankError`), and mean and
   * std are computed in one pass (Welford). count, nulls, min and max are always exact.
   */
  exact: z.boolean(),
  /**
   * Upper bound on the error of the estimated rank of any quantile or histogram edge, as a
   * share of `count` (0 when exact): a quantile q's value has a true rank within
   * (q ± rankError) · count, and a bin's count is within 2 · rankError · count of the truth.
   */
  rankError: z.number().nonnegative(),
});

export const stringColumnProfileSchema = z.object({
  ...common,
  kind: z.literal('string'),
  /** Distinct present values; when `capped`, the cap (there are more). */
  distinct: z.number().int().nonnegative(),
  /** The most frequent values (count descending, then value), at most twenty. */
  top: z.array(z.object({ value: z.string(), count: z.number().int().nonnegative() })),
  /** Present values outside `top`. */
  otherCount: z.number().int().nonnegative(),
  /**
   * True when the column had more than `CATEGORY_CAP` distinct values: the first CATEGORY_CAP
   * distinct values (in file order) are counted exactly, later new values only in
   * `otherCount`, so `top` ranks the counted values only.
   */
  capped: z.boolean(),
});

export const columnProfileSchema = z.discriminatedUnion('kind', [numberColumnProfileSchema, stringColumnProfileSchema]);

export const tableProfileSchema = z.object({ rows: z.number().int().nonnegative(), columns: z.array(columnProfileSchema) });

export type NumberColumnProfile = z.infer<typeof numberColumnProfileSchema>;
export type StringColumnProfile = z.infer<typeof stringColumnProfileSchema>;
export type ColumnProfile = z.infer<typeof columnProfileSchema>;
export type TableProfile = z.infer<typeof tableProfileSchema>;

/** Version 1 columns: the same figures, all exact, without the `exact`/`rankError`/`capped` fields. */
const v1TableProfileSchema = z.object({
  rows: z.number().int().nonnegative(),
  columns: z.array(
    z.discriminatedUnion('kind', [numberColumnProfileSchema.omit({ exact: true, rankError: true }), stringColumnProfileSchema.omit({ capped: true })]),
  ),
});

const profileDocumentV2Schema = z.object({ schemaVersion: z.literal(PROFILE_SCHEMA_VERSION), files: z.record(z.string(), tableProfileSchema) });

const profileDocumentV1Schema = z.object({ schemaVersion: z.literal(1), files: z.record(z.string(), v1TableProfileSchema) }).transform(
  (document): ProfileDocument => ({
    schemaVersion: PROFILE_SCHEMA_VERSION,
    files: Object.fromEntries(
      Object.entries(document.files).map(([key, table]) => [
        key,
        {
          rows: table.rows,
          columns: table.columns.map(
            (column): ColumnProfile => (column.kind === 'number' ? { ...column, exact: true, rankError: 0 } : { ...column, capped: false }),
          ),
        },
      ]),
    ),
  }),
);

export type ProfileDocument = z.infer<typeof profileDocumentV2Schema>;

/**
 * `profile.json`: the pull stage's per-file profile (see ARCHITECTURE, "Profiles are streamed
 * sketches"). Reads version 1 documents (the run store keeps old runs' copies) as version 2.
 */
export const profileOutput = defineStageOutput({
  file: 'profile.json',
  description: `Per-column profile of each pulled file: counts, missing share, min/max, quantiles and histogram (number columns; sketched beyond ${SKETCH_LEVEL_CAPACITY} values), top categories (string columns; counted up to ${CATEGORY_CAP} distinct values)`,
  schema: z.union([profileDocumentV2Schema, profileDocumentV1Schema]),
});
