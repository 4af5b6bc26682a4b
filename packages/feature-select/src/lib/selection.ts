import { defineStageOutput } from '@reproml/core';
import { z } from 'zod';

const droppedColumnSchema = z.object({
  column: z.string(),
  reason: z.enum(['listed', 'missing', 'constant']),
  nullFraction: z.number().min(0).max(1),
});

/** `selection.json`: the contract of a feature-select stage (validated when written and when read). */
export const selectionOutput = defineStageOutput({
  file: 'selection.json',
  description: 'the columns a feature-select stage kept and the ones it dropped, with the reason',
  schema: z.object({
    schemaVersion: z.literal(1),
    /** The data file inspected, `<project>/out/<key>.<format>`. */
    source: z.string(),
    rows: z.number().int().nonnegative(),
    kept: z.array(z.string()),
    dropped: z.array(droppedColumnSchema),
  }),
});
export type Selection = z.infer<typeof selectionOutput.schema>;
