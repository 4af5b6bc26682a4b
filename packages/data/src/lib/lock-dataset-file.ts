import type { ProgressListener } from '@reproml/core';
import type { ContentStore } from './content-store';
import type { LockedFile } from './dataset-lock';
import { openSource, type SourceLocation } from './dataset-source';
import { inferFormat } from './infer-format';
import type { DatasetFileSpec } from './pull-stage-config';
import type { SourceEnvironment } from './source-environment';

export interface LockDatasetFileParams {
  /** The file's key under the pull stage's `files`. */
  key: string;
  spec: DatasetFileSpec;
  workspaceRoot: string;
  environment: SourceEnvironment;
  store: ContentStore;
  /** The pull stage and its stage file, for messages (the field is `files.<key>`). */
  location: Omit<SourceLocation, 'field'>;
  progress?: ProgressListener;
  warn: (message: string) => void;
}

export interface LockedDatasetFile {
  /** The lock entry `nx run <stage>:lock` writes for this file. */
  entry: LockedFile;
  /** Absolute path of the locked bytes (the workspace file, or its entry in the store). */
  path: string;
}

/**
 * Resolves one file of a pull stage to its current revision and bytes: branches and tags
 * become commit shas, downloads land in the store. `updateLock` calls it for every file, and
 * the pipeline generator for the file it profiles, so both lock a source the same way.
 */
export async function lockDatasetFile(params: LockDatasetFileParams): Promise<LockedDatasetFile> {
  const { key, spec } = params;
  const location = { ...params.location, field: `files.${key}` };
  const source = openSource({
    source: spec.source,
    revision: spec.revision,
    context: {
      workspaceRoot: params.workspaceRoot,
      environment: params.environment,
      store: params.store,
      progress: params.progress,
      warn: params.warn,
      location: { ...location, field: `${location.field}.source` },
    },
  });
  const resolved = await source.resolve();
  const fetched = await source.materialize({ revision: resolved.revision });
  return {
    entry: {
      source: spec.source,
      revision: resolved.revision,
      ...(resolved.ref !== undefined ? { ref: resolved.ref } : {}),
      sha256: fetched.sha256,
      size: fetched.size,
      format: inferFormat(spec, location),
    },
    path: fetched.path,
  };
}
