import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DataError, type Table } from '@reproml/core';
import type { DataFrame } from 'danfojs-node';
import type { StageLocation } from './stage-location';
import { dataFrameToTable, loadDanfo, tableToDataFrame } from './table-data-frame';
import type { CustomTransformSpec } from './transform-spec';

/** What a custom transform receives besides the frame. */
export interface CustomTransformContext {
  /** The danfojs-node module, so transforms need no import of their own. */
  dfd: typeof import('danfojs-node');
  /** The stage's seed, for a transform that needs randomness. */
  seed: number;
  log(message: string): void;
}

/**
 * A custom transform: a row-wise function of the whole table (add, change or remove
 * columns; keep every row in order: use `filters` to drop rows). It runs before the
 * split and is not part of preprocess.onnx, so whatever serves the model must run it too.
 */
export type CustomTransform = (frame: DataFrame, context: CustomTransformContext) => DataFrame | Promise<DataFrame>;

export interface RunCustomTransformsParams {
  table: Table;
  transforms: readonly CustomTransformSpec[];
  /** Absolute folder of the stage: module paths are relative to it. */
  stageDir: string;
  seed: number;
  rowNumbers: ArrayLike<number>;
  location: StageLocation;
  log(message: string): void;
  /** Called with the absolute path of each module, e.g. to record it in the lineage. */
  onModule?: (absolutePath: string) => Promise<void>;
}

export async function runCustomTransforms(params: RunCustomTransformsParams): Promise<Table> {
  let table = params.table;
  for (const [index, spec] of params.transforms.entries()) {
    const field = `custom[${index}]`;
    const path = join(params.stageDir, spec.module);
    if (!existsSync(path)) {
      throw new ConfigError(`Custom transform module '${spec.module}' does not exist in the stage folder`, {
        ...params.location,
        field: `${field}.module`,
        hint: `Create ${spec.module} next to the stage file, or fix the path (relative to the stage folder, starting with "./").`,
      });
    }
    await params.onModule?.(path);
    const transform = await loadTransform(path, spec, { ...params.location, field: `${field}.export` });
    const source = `custom transform ${spec.module}`;
    let result: unknown;
    try {
      result = await transform(tableToDataFrame(table), { dfd: loadDanfo(), seed: params.seed, log: params.log });
    } catch (error) {
      throw new DataError(`${source} failed: ${(error as Error).message}`, { ...params.location, field, cause: error });
    }
    const dfd = loadDanfo();
    if (!(result instanceof dfd.DataFrame)) {
      throw new DataError(`${source} returned ${result === undefined ? 'nothing' : typeof result}, not a danfojs DataFrame`, {
        ...params.location,
        field,
        hint: 'Return the (new) DataFrame from the function.',
      });
    }
    const next = dataFrameToTable({ frame: result, original: table, source, rowNumbers: params.rowNumbers });
    if (next.rowCount !== table.rowCount) {
      throw new DataError(`${source} returned ${next.rowCount} rows for ${table.rowCount}: custom transforms must keep every row`, {
        ...params.location,
        field,
        hint: 'Drop rows with "filters" instead, so rows stay traceable to the input file.',
      });
    }
    table = next;
  }
  return table;
}

async function loadTransform(path: string, spec: CustomTransformSpec, location: StageLocation & { field: string }): Promise<CustomTransform> {
  const loaded = await loadModule(path);
  const fn = spec.export === 'default' && typeof loaded === 'function' ? loaded : (loaded as Record<string, unknown>)[spec.export];
  if (typeof fn !== 'function') {
    throw new ConfigError(`Custom transform module '${spec.module}' has no exported function '${spec.export}'`, {
      ...location,
      hint: `Export it: \`export ${spec.export === 'default' ? 'default function' : `function ${spec.export}`}(df, context) { … return df; }\`.`,
    });
  }
  return fn as CustomTransform;
}

async function loadModule(path: string): Promise<unknown> {
  try {
    // require first: TypeScript modules then run through the transpiler Nx registers for the plugin.
    return require(path) as unknown;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Without a require hook (e.g. under vitest) fall back to import(), which the test runner transpiles.
    if (error instanceof SyntaxError || code === 'ERR_UNKNOWN_FILE_EXTENSION' || code === 'ERR_REQUIRE_ESM') return import(path);
    throw error;
  }
}
