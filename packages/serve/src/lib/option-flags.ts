import { ConfigError } from '@reproml/core';
import type { z } from 'zod';

/** `maxBatchSize` → `max-batch-size`: the CLI flag of an option (with an optional prefix). */
export const flagName = (key: string, prefix = ''): string => `${prefix}${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;

/**
 * parseArgs options for every key of a zod object schema, and the reverse mapping from the
 * parsed strings to the schema's input (numbers parsed), so flags follow the schema: one
 * contract, no second list to keep in step.
 */
export function schemaFlags(schema: z.ZodObject, prefix = '') {
  const keys = Object.keys(schema.shape);
  const options = Object.fromEntries(keys.map((key) => [flagName(key, prefix), { type: 'string' as const }]));
  const read = (values: Record<string, unknown>): Record<string, unknown> => {
    const input: Record<string, unknown> = {};
    for (const key of keys) {
      const text = values[flagName(key, prefix)];
      if (typeof text !== 'string') continue;
      const numeric = isNumeric(schema.shape[key] as z.ZodType);
      if (numeric && !/^-?\d+(\.\d+)?$/.test(text)) throw new ConfigError(`--${flagName(key, prefix)} should be a number, got '${text}'`, { field: key });
      input[key] = numeric ? Number(text) : text;
    }
    return input;
  };
  const describe = () =>
    keys.map((key) => `  --${flagName(key, prefix)}  ${((schema.shape[key] as z.ZodType).meta()?.['description'] as string | undefined) ?? ''}`).join('\n');
  return { options, read, describe };
}

/** Whether a schema field takes a number (through defaults and optionals), so its text is parsed as one. */
export function isNumeric(type: z.ZodType): boolean {
  let current: z.ZodType = type;
  for (;;) {
    const def = (current as unknown as { def: { type: string; innerType?: z.ZodType } }).def;
    if (def.type === 'number') return true;
    if (!def.innerType) return false;
    current = def.innerType;
  }
}
