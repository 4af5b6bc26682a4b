import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { ConfigError, didYouMean, parseConfig, parseJsonText, type StageIdentity, stageProjectName } from '@reproml/core';
import type { StageFile } from './stage-file-schema';
import { STAGE_KIND_NAMES, STAGE_KINDS, type StageKind, type StageKindName } from './stage-kinds';

/** `pipelines/<pipeline>/<stage>/stage.json`, the only place stage files are looked for. */
export const STAGE_FILE_GLOB = 'pipelines/*/*/stage.json';
const STAGE_PATH = /^pipelines\/([a-z0-9][a-z0-9_-]*)\/([a-z0-9][a-z0-9_-]*)\/stage\.json$/;

export interface LoadedStage {
  identity: StageIdentity;
  kind: StageKind;
  config: StageFile;
  /** Workspace-relative folder of the stage (the Nx project root). */
  root: string;
  /** Workspace-relative output folder of the stage's `run` target. */
  outputDir: string;
}

/** Reads and validates a stage file; errors name the file and the field. */
export function loadStage(workspaceRoot: string, stageFile: string): LoadedStage {
  const file = stageFile.split('\\').join('/');
  const match = STAGE_PATH.exec(file);
  if (!match) {
    throw new ConfigError(`Stage file ${file} is not at pipelines/<pipeline>/<stage>/stage.json`, {
      file,
      hint: 'Pipeline and stage folder names use lowercase letters, digits, "-" and "_".',
    });
  }
  const [, pipeline, stageFolder] = match as unknown as [string, string, string];
  const name = stageProjectName(pipeline, stageFolder);
  const raw = parseJsonText(readFileSync(join(workspaceRoot, file), 'utf8'), file, name);
  const kindName = readKind(raw, file, name);
  const kind: StageKind = STAGE_KINDS[kindName];
  const config = parseConfig({ schema: kind.schema, value: raw, file, stage: name }) as StageFile;
  const root = posix.dirname(file);
  return {
    identity: { name, pipeline, kind: kindName, file },
    kind,
    config,
    root,
    outputDir: `${root}/out`,
  };
}

function readKind(raw: unknown, file: string, stage: string): StageKindName {
  const kind = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).kind : undefined;
  if (typeof kind === 'string' && (STAGE_KIND_NAMES as string[]).includes(kind)) return kind as StageKindName;
  const problem = kind === undefined ? 'has no "kind"' : `has an unknown kind ${JSON.stringify(kind)}`;
  throw new ConfigError(`Stage file ${file} ${problem}${typeof kind === 'string' ? didYouMean(kind, STAGE_KIND_NAMES) : ''}`, {
    file,
    stage,
    field: 'kind',
    hint: `Set "kind" to one of: ${STAGE_KIND_NAMES.join(', ')}.`,
  });
}
