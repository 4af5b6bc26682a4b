import { z } from 'zod';
import { SWEEP_RESULT_FILE } from './stage-layout';
import { defineStageOutput } from './stage-output';

const pointScoreSchema = z
  .object({
    id: z.string(),
    project: z.string(),
    values: z.record(z.string(), z.unknown()),
    scores: z.record(z.string(), z.number()),
    rank: z.number().int().positive(),
  })
  .strict();

/** `sweep.json`: what a sweep stage selected, and why (every point's scores, ranked). */
export const sweepResultOutput = defineStageOutput({
  file: SWEEP_RESULT_FILE,
  description: "a sweep stage's selection: the metric, its direction, every point with its scores and rank, and the winner",
  schema: z
    .object({
      schemaVersion: z.literal(1),
      metric: z.string(),
      goal: z.enum(['min', 'max']),
      tieBreak: z.literal('canonical point order'),
      /** The swept settings (dotted paths), sorted. */
      parameters: z.array(z.string()),
      winner: z.string(),
      points: z.array(pointScoreSchema).min(1),
    })
    .strict(),
});

export type SweepResult = z.output<typeof sweepResultOutput.schema>;
export type SweepPointScore = z.output<typeof pointScoreSchema>;
