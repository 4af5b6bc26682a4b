import { z } from 'zod';
import { STAGE_KINDS } from './stage-kinds';

/** A stage file: one of the known kinds, told apart by `kind`. */
export const stageFileSchema = z.discriminatedUnion(
  'kind',
  Object.values(STAGE_KINDS).map((kind) => kind.schema) as unknown as [z.ZodObject, ...z.ZodObject[]],
);
/** The fields every kind shares; executors narrow to their kind's own type. */
export interface StageFile {
  kind: string;
  description?: string;
  inputs: Record<string, string>;
  seed?: number;
  strict?: boolean;
  [field: string]: unknown;
}

/** The JSON schema behind `$schema` in stage files, generated from the zod schemas. */
export function stageFileJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(stageFileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
