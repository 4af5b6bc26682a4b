import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { writeFileAtomic } from './atomic-write';
import { StageIOError } from './errors';
import { parseConfig, parseJsonText } from './parse-config';
import { stableStringify } from './stable-json';

/**
 * A JSON document a stage kind writes into `out/` and other kinds read: a contract between
 * stages, defined once. The writing kind lists it in its `outputs`; a reading kind lists it
 * in the `reads` of an input and reads it through `UpstreamStage.read`, so both sides use
 * this schema (validated on write and on read).
 */
export interface StageOutput<S extends z.ZodType = z.ZodType> {
  /** File name inside `out/`, e.g. `features.json`. */
  readonly file: string;
  readonly description: string;
  readonly schema: S;
}

export function defineStageOutput<S extends z.ZodType>(output: StageOutput<S>): StageOutput<S> {
  return output;
}

/** Validates `value` against the contract and writes it (stable JSON, atomic) into `outDir`. */
export async function writeStageOutput<S extends z.ZodType>(
  output: StageOutput<S>,
  outDir: string,
  value: z.input<S>,
  location: { stage?: string; file?: string } = {},
): Promise<void> {
  const parsed = output.schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StageIOError(`The stage produced an invalid ${output.file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`, {
      ...location,
      field: issue.path.join('.') || undefined,
      hint: 'This is a bug in the stage kind: its output breaks its own declared contract.',
    });
  }
  await writeFileAtomic(join(outDir, output.file), stableStringify(value));
}

/**
 * Reads a contract document: `path` is absolute, `file` the name errors show
 * (`<project>/out/<file>`). A document that breaks the contract names the field.
 */
export async function readStageOutput<S extends z.ZodType>(output: StageOutput<S>, path: string, file: string, stage?: string): Promise<z.output<S>> {
  return parseStageOutput(output, parseJsonText(await readFile(path, 'utf8'), file, stage), file, stage);
}

/** Checks a contract document already parsed from JSON (e.g. a copy kept in the run store); a mismatch names the file and field. */
export function parseStageOutput<S extends z.ZodType>(output: StageOutput<S>, value: unknown, file: string, stage?: string): z.output<S> {
  return parseConfig({ schema: output.schema, value, file, stage });
}
