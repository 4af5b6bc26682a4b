import { z } from 'zod';
import type { StageInputSpec } from './stage-kind';
import { DURATION_PATTERN } from './stage-timeout';

/** `<stage>` in the same pipeline, or `<pipeline>/<stage>` in another one. */
export const stageReferenceSchema = z
  .string()
  .regex(/^([a-z0-9][a-z0-9_-]*\/)?[a-z0-9][a-z0-9_-]*$/, "should be a stage folder name like 'data' or 'other-pipeline/data'");

/**
 * Fields every stage file has, whatever its kind. Each kind extends this with its own
 * fields and `.strict()` so that a misspelt field is an error, not a silent default.
 */
export const stageBaseShape = {
  $schema: z.string().optional().meta({ description: 'JSON schema for editor completion; ignored by ReproML.' }),
  description: z.string().optional().meta({ description: 'What this stage does, shown in `nx show project`.' }),
  inputs: z
    .record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/, 'input names are identifiers'), stageReferenceSchema)
    .default({})
    .meta({ description: 'Named upstream stages whose outputs this stage reads, e.g. { "dataset": "data" }. Each becomes an Nx dependency. Default: none.' }),
  strict: z.boolean().default(true).meta({
    description:
      'Fail the stage when it reads a workspace file that is not among its declared inputs (so the Nx cache key cannot miss a dependency). Default: true.',
  }),
  seed: z.number().int().nonnegative().optional().meta({ description: 'Seed of every random choice the stage makes. Default: 42.' }),
  timeout: z
    .union([z.number().positive(), z.string().regex(DURATION_PATTERN, "should be seconds or a duration like '90s', '15m', '2h'")])
    .optional()
    .meta({
      description:
        "Longest one attempt of the stage may run: seconds, or a duration like '90s', '15m', '2h'. Past it the stage fails with a timeout error and writes no output. Default: no limit.",
    }),
  retries: z.number().int().min(0).max(10).optional().meta({
    description:
      'Extra attempts after a transient failure (a dropped connection, a stalled download, a busy file); each starts from a clean output folder. Typed errors (config, data, integrity, timeout) are never retried. Default: 0.',
  }),
  heavy: z.boolean().optional().meta({
    description:
      "Marks a stage that needs most of the machine (memory, cores): Nx then runs its `run` task with no other task beside it (the target's `parallelism: false`). Default: false.",
  }),
};

/**
 * For a stage schema's `superRefine`: an issue at `inputs.<name>` for each input the kind
 * declares as required (`required` not false) that the stage file lacks. Derived from the same
 * declaration the kind's `inputs` is, so the two cannot disagree: the message says what the
 * input is for (its description) and gives an example naming each declared input's first kind.
 */
export function requireInputs(
  inputs: Readonly<Record<string, string>>,
  ctx: z.RefinementCtx,
  declared: Readonly<Record<string, StageInputSpec>>,
  kind: string,
): void {
  const example = Object.entries(declared)
    .filter(([, spec]) => spec.kinds?.length)
    .map(([name, spec]) => `"${name}": "${spec.kinds![0]}"`)
    .join(', ');
  for (const [name, spec] of Object.entries(declared)) {
    if (spec.required === false || inputs[name]) continue;
    const article = /^[aeiou]/.test(kind) ? 'an' : 'a';
    ctx.addIssue({
      code: 'custom',
      path: ['inputs', name],
      message: `${article} ${kind} stage needs inputs.${name} (${spec.description})${example ? `, e.g. { ${example} }` : ''}`,
    });
  }
}

/** The shared fields of a parsed stage file, whatever its kind. */
export type StageBaseFields = z.output<z.ZodObject<typeof stageBaseShape>>;
