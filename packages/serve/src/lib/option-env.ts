import { ConfigError } from '@reproml/core';
import type { z } from 'zod';
import { isNumeric } from './option-flags';

/** `maxBatchSize` → `MAX_BATCH_SIZE`: an option's environment variable (after a prefix). */
export const envName = (key: string, prefix: string): string => `${prefix}${key.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;

/** The options of a zod object schema set in the environment (`<prefix><KEY>`), numbers parsed; what the packaged server reads. */
export function schemaFromEnv(schema: z.ZodObject, env: NodeJS.ProcessEnv, prefix: string): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, type] of Object.entries(schema.shape)) {
    const name = envName(key, prefix);
    const text = env[name];
    if (text === undefined || text === '') continue;
    const numeric = isNumeric(type as z.ZodType);
    if (numeric && !/^-?\d+(\.\d+)?$/.test(text)) throw new ConfigError(`${name} should be a number, got '${text}'`, { field: name });
    input[key] = numeric ? Number(text) : text;
  }
  return input;
}
