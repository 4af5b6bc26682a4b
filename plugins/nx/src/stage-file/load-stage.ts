import { createHash } from 'node:crypto';
import { join, posix } from 'node:path';
import {
  type AnyStageKind,
  ConfigError,
  didYouMean,
  type FoldSpec,
  parseConfig,
  parseJsonText,
  type StageIdentity,
  type SweepPoint,
  stageProjectName,
} from '@reproml/core';
import { readGraphFile } from '../plugin/graph-inputs';
import type { StageFile } from './stage-file-schema';
import { type RegisteredKind, type StageKindRegistry, stageKindRegistry } from './stage-kinds';
import { foldStages, sweepPointStages } from './sweep-point-stages';

export { STAGE_FILE_GLOB } from './stage-file-glob';

const STAGE_PATH = /^pipelines\/([a-z0-9][a-z0-9_-]*)\/([a-z0-9][a-z0-9_-]*)\/stage\.json$/;

export interface LoadedStage {
  identity: StageIdentity;
  kind: AnyStageKind;
  /** The kind with the package that exports it. */
  registered: RegisteredKind;
  /** The kinds the stage was loaded with (upstream stages load with the same). */
  registry: StageKindRegistry;
  config: StageFile;
  /** Workspace-relative folder of the stage (the Nx project root). */
  root: string;
  /** Workspace-relative output folder of the stage's `run` target. */
  outputDir: string;
  /** The stage's folder name (`pipelines/<pipeline>/<folder>`). */
  folder: string;
  /** A swept stage's points, each a stage of its own (see sweep-point-stages.ts); its own `run` selects among them. */
  points?: LoadedStage[];
  /** A sweep point's stage: the point and the project of the stage it belongs to. */
  point?: { point: SweepPoint; sweepStage: string };
  /** A cross-validated stage's (or point's) folds, each a stage of its own; its own `run` trains on the whole split and summarizes them. */
  folds?: LoadedStage[];
  /** A fold's stage: the fold and the project it belongs to. */
  fold?: { spec: FoldSpec; owner: string };
}

/**
 * Parsed stage files by registry, then by path and content hash. createNodes,
 * createDependencies and the strict-read list of every downstream stage all need the same
 * stage files; each is validated once per content (a graph computation reads each once).
 * In memory only: a parsed stage holds its kind object, and a kind's schema may change with
 * its package's code, so nothing parsed is kept across processes.
 */
const parsed = new WeakMap<StageKindRegistry, Map<string, LoadedStage | ConfigError>>();
const MAX_PARSED = 10_000;

/** Reads and validates a stage file against its kind's schema; errors name the file and the field. */
export function loadStage(workspaceRoot: string, stageFile: string, registry: StageKindRegistry = stageKindRegistry(workspaceRoot)): LoadedStage {
  const file = stageFile.split('\\').join('/');
  const text = readGraphFile(join(workspaceRoot, file));
  let memo = parsed.get(registry);
  if (!memo) parsed.set(registry, (memo = new Map()));
  const key = `${workspaceRoot}\0${file}\0${createHash('sha256').update(text).digest('hex')}`;
  let result = memo.get(key);
  if (!result) {
    try {
      result = parseStage(file, text, registry);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      result = error;
    }
    if (memo.size >= MAX_PARSED) memo.clear();
    memo.set(key, result);
  }
  if (result instanceof ConfigError) throw result;
  return result;
}

let parseCount = 0;

/** How many stage files this process has validated (a test checks that each is parsed once). */
export function stageParseCount(): number {
  return parseCount;
}

function parseStage(file: string, text: string, registry: StageKindRegistry): LoadedStage {
  parseCount++;
  const match = STAGE_PATH.exec(file);
  if (!match) {
    throw new ConfigError(`Stage file ${file} is not at pipelines/<pipeline>/<stage>/stage.json`, {
      file,
      hint: 'Pipeline and stage folder names use lowercase letters, digits, "-" and "_".',
    });
  }
  const [, pipeline, stageFolder] = match as unknown as [string, string, string];
  const name = stageProjectName(pipeline, stageFolder);
  const raw = parseJsonText(text, file, name);
  const registered = readKind(raw, file, name, registry);
  const config = parseConfig({ schema: registered.kind.schema, value: raw, file, stage: name }) as StageFile;
  const root = posix.dirname(file);
  const stage: LoadedStage = {
    identity: { name, pipeline, kind: registered.kind.name, file },
    kind: registered.kind,
    registered,
    registry,
    config,
    root,
    outputDir: `${root}/out`,
    folder: stageFolder,
  };
  if (config.sweep !== undefined) stage.points = sweepPointStages(stage, raw as Record<string, unknown>);
  for (const owner of stage.points ?? [stage]) if (owner.config.crossValidation !== undefined) owner.folds = foldStages(owner);
  return stage;
}

/** The stage of one fold of a cross-validated stage or point; a ConfigError when there is no such fold (any more). */
export function foldStage(owner: LoadedStage, fold: number): LoadedStage {
  const stage = owner.folds?.[fold - 1];
  if (stage) return stage;
  throw new ConfigError(`${owner.identity.file} has no cross-validation fold ${fold} for ${owner.identity.name}`, {
    stage: owner.identity.name,
    file: owner.identity.file,
    field: 'crossValidation.folds',
    hint: 'Run the stage again: nx recomputes the folds from the stage file.',
  });
}

/** The stage of one sweep point of a swept stage; a ConfigError when the stage has no such point (any more). */
export function sweepPointStage(stage: LoadedStage, pointId: string): LoadedStage {
  const point = stage.points?.find((candidate) => candidate.point?.point.id === pointId);
  if (point) return point;
  throw new ConfigError(`${stage.identity.file} has no sweep point '${pointId}' (the sweep changed since the project graph was computed)`, {
    stage: stage.identity.name,
    file: stage.identity.file,
    field: 'sweep',
    hint: 'Run the stage again: nx recomputes the points from the stage file.',
  });
}

function readKind(raw: unknown, file: string, stage: string, registry: StageKindRegistry): RegisteredKind {
  const kind = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).kind : undefined;
  const registered = typeof kind === 'string' ? registry.get(kind) : undefined;
  if (registered) return registered;
  const problem = kind === undefined ? 'has no "kind"' : `has an unknown kind ${JSON.stringify(kind)}`;
  throw new ConfigError(`Stage file ${file} ${problem}${typeof kind === 'string' ? didYouMean(kind, registry.names) : ''}`, {
    file,
    stage,
    field: 'kind',
    hint: `Set "kind" to one of: ${registry.names.join(', ')} (a kind from another package is registered in nx.json: plugins[@reproml/nx].options.kinds).`,
  });
}
