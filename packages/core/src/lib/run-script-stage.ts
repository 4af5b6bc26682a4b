import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, StageIOError } from './errors';
import { requireModule } from './require-module';
import type { StageContext } from './run-stage';
import type { ScriptStageConfig } from './script-stage-config';
import type { SeededRandom } from './seeded-random';

/** What a script stage's default export receives. */
export interface ScriptStageApi {
  /** Absolute path of each named upstream stage's output folder. */
  inputs: Record<string, string>;
  /** Absolute path of the folder to write artifacts into (becomes `out/`). */
  outDir: string;
  params: Record<string, unknown>;
  rng: SeededRandom;
  /** Aborted when the stage exceeds its `timeout`: pass it to fetch or child processes so they stop too. */
  signal: AbortSignal;
  log(message: string): void;
  /** Reads a file of a named input and records it (with its sha256) in the lineage. */
  readInput(input: string, file: string): Promise<Buffer>;
}

export type ScriptStageFunction = (stage: ScriptStageApi) => Promise<void> | void;

export interface RunScriptStageParams {
  context: StageContext;
  config: ScriptStageConfig;
  /** Absolute folder of the stage (the script path is relative to it). */
  stageDir: string;
  /** Absolute output folder of each named upstream stage. */
  inputDirs: Record<string, string>;
}

export async function runScriptStage(params: RunScriptStageParams): Promise<void> {
  const { context, config } = params;
  const scriptPath = resolve(params.stageDir, config.script);
  const location = { stage: context.stage.name, file: context.stage.file, field: 'script' };
  if (!existsSync(scriptPath)) {
    throw new ConfigError(`Script '${config.script}' does not exist next to ${context.stage.file}`, {
      ...location,
      hint: 'Create the module or fix the path (relative to the stage folder).',
    });
  }
  const run = loadDefaultExport(scriptPath, context.workspaceRoot, location);
  const api: ScriptStageApi = {
    inputs: params.inputDirs,
    outDir: context.outDir,
    params: config.params,
    rng: context.rng,
    signal: context.signal,
    log: context.log,
    readInput: async (input, file) => {
      const dir = params.inputDirs[input];
      if (!dir) {
        throw new ConfigError(`Script asked for input '${input}', which the stage file does not declare`, {
          ...location,
          field: 'inputs',
          hint: `Declare it: "inputs": { "${input}": "<stage>" }. Declared: ${Object.keys(params.inputDirs).join(', ') || 'none'}.`,
        });
      }
      const path = join(dir, file);
      if (!existsSync(path)) {
        throw new StageIOError(`Input '${input}' has no file '${file}'`, { ...location, field: `inputs.${input}`, file: path });
      }
      await context.recordInput(path, input);
      return readFile(path);
    },
  };
  context.progress({ type: 'phase', phase: 'script', detail: config.script });
  await run(api);
}

function loadDefaultExport(scriptPath: string, workspaceRoot: string, location: { stage: string; file: string; field: string }): ScriptStageFunction {
  const loaded = requireModule(scriptPath, workspaceRoot) as { default?: unknown };
  const fn = typeof loaded === 'function' ? loaded : loaded.default;
  if (typeof fn !== 'function') {
    throw new ConfigError(`Script ${scriptPath} has no default export function`, {
      ...location,
      hint: 'Export one: `export default async function (stage) { … }`.',
    });
  }
  return fn as ScriptStageFunction;
}
