import type { CrossValidationConfig, StageBaseFields, SweepConfig } from '@reproml/core';
import { z } from 'zod';
import type { StageKindRegistry } from './stage-kinds';

/** A stage file: one of the registered kinds, told apart by `kind`. */
export function stageFileSchema(registry: StageKindRegistry) {
  return z.discriminatedUnion('kind', registry.kinds.map((entry) => entry.kind.schema) as unknown as [z.ZodObject, ...z.ZodObject[]]);
}

/** The fields every kind shares; a kind's `run` gets its own typed config. */
export interface StageFile extends StageBaseFields {
  kind: string;
  /** A kind that supports sweeps (`sweep` in its spec) puts `sweepConfigSchema` in its schema, which validated this. */
  sweep?: SweepConfig;
  /** Likewise `crossValidationSchema`. */
  crossValidation?: CrossValidationConfig;
  [field: string]: unknown;
}

/** The JSON schema behind `$schema` in stage files, generated from the kinds' zod schemas. */
export function stageFileJsonSchema(registry: StageKindRegistry): Record<string, unknown> {
  return z.toJSONSchema(stageFileSchema(registry), { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
