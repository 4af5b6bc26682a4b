import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { didYouMean } from './closest-match';
import { ConfigError, type ReproErrorLocation } from './errors';

export interface ParseConfigParams<S extends z.ZodType> {
  schema: S;
  value: unknown;
  /** Workspace-relative path of the file the value came from. */
  file: string;
  stage?: string;
}

/**
 * Validates a config value against its zod schema. The error names the file and the
 * dotted field path, and suggests the closest known field for a misspelt key.
 */
export function parseConfig<S extends z.ZodType>(params: ParseConfigParams<S>): z.infer<S> {
  const result = params.schema.safeParse(params.value);
  if (result.success) return result.data;
  throw configErrorFromIssues(result.error.issues, params.value, { file: params.file, stage: params.stage }, params.schema);
}

/** Reads a JSON file and validates it; JSON syntax errors name the file too. */
export function readConfigFileSync<S extends z.ZodType>(schema: S, absolutePath: string, file: string, stage?: string): z.infer<S> {
  return parseConfig({ schema, value: parseJsonText(readFileSync(absolutePath, 'utf8'), file, stage), file, stage });
}

export async function readConfigFile<S extends z.ZodType>(schema: S, absolutePath: string, file: string, stage?: string): Promise<z.infer<S>> {
  return parseConfig({ schema, value: parseJsonText(await readFile(absolutePath, 'utf8'), file, stage), file, stage });
}

export function parseJsonText(text: string, file: string, stage?: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file} is not valid JSON: ${(error as Error).message}`, {
      file,
      stage,
      hint: 'Fix the JSON syntax (a trailing comma or a missing quote is the usual cause).',
      cause: error,
    });
  }
}

export function configErrorFromIssues(issues: readonly z.core.$ZodIssue[], value: unknown, location: ReproErrorLocation, schema?: z.ZodType): ConfigError {
  // A misspelt key also shows up as a missing required field; the unknown key is the cause,
  // also when it sits in the member of a union that the value was meant for.
  const first = issues.find((issue) => issue.code === 'unrecognized_keys') ?? unrecognizedKeysInUnion(issues) ?? pickMostSpecificIssue(issues);
  const path = first.path.map(String);
  if (first.code === 'unrecognized_keys') {
    const parentPath = path.join('.');
    const known = schema ? knownKeysAt(schema, first.path, value) : [];
    const key = first.keys[0]!;
    const field = parentPath ? `${parentPath}.${key}` : key;
    return new ConfigError(`Unknown field '${field}' in ${location.file}${didYouMean(key, known)}`, {
      ...location,
      field,
      hint: known.length ? `Allowed fields${parentPath ? ` in '${parentPath}'` : ''}: ${known.join(', ')}.` : `Remove '${key}' from ${location.file}.`,
    });
  }
  const field = path.join('.') || '(root)';
  return new ConfigError(`Invalid field '${field}' in ${location.file}: ${first.message}`, {
    ...location,
    field,
    hint: issues.length > 1 ? `${issues.length - 1} more problem(s) in the same file; fix this one first.` : undefined,
  });
}

/**
 * An unknown key reported by a member of a union that failed (with the union's path in
 * front): when a value is an object, the members for strings or arrays fail on its type,
 * and the object member's unknown key is what to fix.
 */
function unrecognizedKeysInUnion(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue | undefined {
  for (const issue of issues) {
    if (issue.code !== 'invalid_union') continue;
    const nested = issue.errors.flat().map((n) => ({ ...n, path: [...issue.path, ...n.path] }) as z.core.$ZodIssue);
    const found = nested.find((n) => n.code === 'unrecognized_keys') ?? unrecognizedKeysInUnion(nested);
    if (found) return found;
  }
  return undefined;
}

function pickMostSpecificIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  // A union mismatch reports nested issues; the deepest one names the real field.
  let best = issues[0]!;
  for (const issue of issues) {
    if (issue.code === 'invalid_union' && issue.errors.length) {
      const nested = issue.errors.flat().map((n) => ({ ...n, path: [...issue.path, ...n.path] }) as z.core.$ZodIssue);
      if (nested.length) {
        const inner = pickMostSpecificIssue(nested);
        if (inner.path.length >= best.path.length) best = inner;
      }
    }
  }
  return best;
}

type AnyDef = { type: string; [key: string]: unknown };

/** The keys an object schema allows at `path`, found by walking the schema alongside the value. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[], value: unknown): string[] {
  let current: z.ZodType | undefined = schema;
  let currentValue = value;
  for (let depth = 0; depth <= path.length && current; depth++) {
    current = unwrap(current, currentValue);
    if (!current) return [];
    if (depth === path.length) break;
    const key = path[depth]!;
    const def = current.def as AnyDef;
    currentValue = currentValue && typeof currentValue === 'object' ? (currentValue as Record<PropertyKey, unknown>)[key] : undefined;
    if (def.type === 'object') current = (def.shape as Record<string, z.ZodType>)[String(key)];
    else if (def.type === 'record') current = def.valueType as z.ZodType;
    else if (def.type === 'array') current = def.element as z.ZodType;
    else return [];
  }
  const def = current?.def as AnyDef | undefined;
  return def?.type === 'object' ? Object.keys(def.shape as Record<string, unknown>) : [];
}

function unwrap(schema: z.ZodType, value: unknown): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  for (let guard = 0; guard < 20 && current; guard++) {
    const def = current.def as AnyDef;
    if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(def.type)) {
      current = def.innerType as z.ZodType;
    } else if (def.type === 'pipe') {
      current = def.in as z.ZodType;
    } else if (def.type === 'lazy') {
      current = (def.getter as () => z.ZodType)();
    } else if (def.type === 'union') {
      current = unionMemberFor(def.options as z.ZodType[], value, def.discriminator as string | undefined);
    } else {
      return current;
    }
  }
  return current;
}

/**
 * The member of a union the value was meant for: the object member whose discriminator
 * (a literal or an enum field) holds the value's, else the only object member when the
 * value is an object (a union of a name, a selector object and a list), else none.
 */
function unionMemberFor(options: readonly z.ZodType[], value: unknown, discriminator: string | undefined): z.ZodType | undefined {
  if (options.length === 1) return options[0];
  const discriminated = options.find((option) => matchesDiscriminator(option, value, discriminator));
  if (discriminated) return discriminated;
  if (discriminator || !value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const objects = options.filter((option) => unwrap(option, value)?.def.type === 'object');
  return objects.length === 1 ? objects[0] : undefined;
}

/** The value holds the member's discriminator: the union's `discriminator` key, or (plain unions) any literal/enum field. */
function matchesDiscriminator(option: z.ZodType, value: unknown, discriminator: string | undefined): boolean {
  const def = option.def as AnyDef;
  if (def.type !== 'object' || !value || typeof value !== 'object') return false;
  return Object.entries(def.shape as Record<string, z.ZodType>).some(([key, field]) => {
    if (discriminator !== undefined && key !== discriminator) return false;
    const allowed = discriminatorValues(field);
    return allowed?.includes((value as Record<string, unknown>)[key]) ?? false;
  });
}

/** The values a literal or enum field accepts (the fields a discriminated union tells its members apart by). */
function discriminatorValues(field: z.ZodType): unknown[] | undefined {
  const def = field.def as AnyDef;
  if (def.type === 'literal') return def.values as unknown[];
  if (def.type === 'enum') return Object.values(def.entries as Record<string, unknown>);
  return undefined;
}
