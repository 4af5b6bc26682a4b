import { z } from 'zod';

/** A value a sweep may set: any JSON value (a number, a string, `[32, 16]`, `{ "type": "sgd" }`). */
const sweepValueSchema: z.ZodType<unknown> = z.json();

/** `model.maxDepth`: a dotted path into the stage file; the first segment may not be a field every stage shares. */
const SETTING_PATH = /^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)*$/;
export const UNSWEPT_FIELDS = ['$schema', 'kind', 'description', 'inputs', 'strict', 'timeout', 'retries', 'heavy', 'sweep'] as const;

const settingPathSchema = z
  .string()
  .regex(SETTING_PATH, "should be a dotted path to a setting of the stage, like 'model.maxDepth'")
  .refine((path) => !(UNSWEPT_FIELDS as readonly string[]).includes(path.split('.')[0]!), {
    message: `names a field that cannot be swept (${UNSWEPT_FIELDS.join(', ')}); sweep a setting of the model or its training`,
  });

const rangeSchema = z
  .object({
    min: z.number(),
    max: z.number(),
    scale: z.enum(['linear', 'log']).default('linear').meta({ description: "'log' draws uniformly in log space (learning rates). Default: linear." }),
    integer: z.boolean().default(false).meta({ description: 'Round each draw to an integer (depths, tree counts). Default: false.' }),
  })
  .strict()
  .refine((range) => range.max >= range.min, { message: 'max should be >= min', path: ['max'] })
  .refine((range) => range.scale === 'linear' || range.min > 0, { message: 'a log range needs min > 0', path: ['min'] });

export type SweepRange = z.output<typeof rangeSchema>;

export const sweepConfigSchema = z
  .object({
    grid: z
      .record(settingPathSchema, z.array(sweepValueSchema).min(1, 'list at least one value'))
      .optional()
      .meta({ description: 'Every combination of these values: { "model.maxDepth": [2, 3, 4], "model.learningRate": [0.05, 0.1] } is 6 points.' }),
    random: z
      .object({
        points: z.number().int().min(1).max(1000).meta({ description: 'How many points to draw (raising it keeps the points drawn before).' }),
        seed: z.number().int().nonnegative().default(0).meta({ description: 'Seed of the draws. Default: 0.' }),
        space: z
          .record(settingPathSchema, z.union([z.array(sweepValueSchema).min(1), rangeSchema]))
          .refine((space) => Object.keys(space).length > 0, 'name at least one setting')
          .meta({ description: 'Per setting: a list to pick from, or { min, max, scale?, integer? }.' }),
      })
      .strict()
      .optional()
      .meta({ description: 'Seeded random search: a fixed number of points drawn from the space (combined with every grid point when both are given).' }),
    select: z
      .object({
        metric: z.string().meta({ description: "The validation metric that picks the winner, e.g. 'validationLoss' or 'validationAccuracy'." }),
        goal: z.enum(['min', 'max']).optional().meta({ description: "Whether lower or higher is better. Default: the metric's own direction." }),
      })
      .strict()
      .meta({ description: 'How the stage picks its winning point (ties: the first point in canonical order).' }),
  })
  .strict()
  .superRefine((sweep, ctx) => {
    if (!sweep.grid && !sweep.random) ctx.addIssue({ code: 'custom', path: ['grid'], message: 'a sweep needs a "grid" or a "random" search (or both)' });
    const both = Object.keys(sweep.grid ?? {}).filter((path) => sweep.random && path in sweep.random.space);
    for (const path of both)
      ctx.addIssue({ code: 'custom', path: ['random', 'space', path], message: `'${path}' is already in the grid; sweep it in one place` });
  })
  .meta({
    description:
      'Hyper-parameter sweep: one cached Nx project per point (<project>--<point id>), each with its own out/ and run record; this stage then selects the best point by a validation metric and its out/ holds the winner.',
  });

export type SweepConfig = z.output<typeof sweepConfigSchema>;
