import { z } from 'zod';
import { stageBaseShape } from './stage-file-base';

/**
 * A stage whose work is the user's own TypeScript or JavaScript function: the escape hatch
 * for anything the built-in kinds do not do, with the same caching, atomic outputs and
 * lineage as every other stage.
 */
export const scriptStageConfigSchema = z
  .object({
    ...stageBaseShape,
    kind: z.literal('script'),
    script: z
      .string()
      .regex(/^[^/\\][^:]*\.(ts|js|cjs|mjs)$/, 'should be a .ts or .js file path relative to the stage folder')
      .refine((path) => !path.split(/[\\/]/).includes('..'), 'should stay inside the stage folder (no "..")')
      .meta({
        description: 'Module relative to the stage folder (so it is hashed with the stage) whose default export is `async (stage) => void`.',
      }),
    params: z.record(z.string(), z.unknown()).default({}).meta({ description: 'Free-form parameters handed to the script as `stage.params`. Default: {}.' }),
  })
  .strict()
  .meta({ title: 'script stage', description: 'Runs a user module over named upstream outputs.' });
export type ScriptStageConfig = z.infer<typeof scriptStageConfigSchema>;
