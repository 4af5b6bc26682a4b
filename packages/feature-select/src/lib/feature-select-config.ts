import { stageBaseShape } from '@reproml/core';
import { z } from 'zod';

/** The name under `inputs` of the pull stage whose data file is inspected. */
export const DATASET_INPUT = 'dataset';

export const featureSelectConfigSchema = z
  .object({
    ...stageBaseShape,
    kind: z.literal('feature-select'),
    file: z.string().optional().meta({ description: 'Key of the upstream pull stage file to inspect. Default: its only data file.' }),
    maxMissing: z.number().min(0).max(1).default(0.2).meta({ description: 'Drop a column whose share of missing values is above this. Default: 0.2.' }),
    dropConstant: z.boolean().default(true).meta({ description: 'Drop a column with a single distinct value. Default: true.' }),
    keep: z.array(z.string()).default([]).meta({ description: 'Columns always kept (e.g. the target). Default: none.' }),
    drop: z.array(z.string()).default([]).meta({ description: 'Columns always dropped (e.g. identifiers). Default: none.' }),
  })
  .strict()
  .meta({ title: 'feature-select stage', description: 'Selects the columns of a pulled dataset worth modelling; writes selection.json.' });
export type FeatureSelectConfig = z.infer<typeof featureSelectConfigSchema>;
