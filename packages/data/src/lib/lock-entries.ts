import { ConfigError } from '@reproml/core';
import type { DatasetLock } from './dataset-lock';
import type { PullStageConfig } from './pull-stage-config';

export interface LockCheckLocation {
  stage: string;
  /** Workspace-relative path of the lock file. */
  lockFile: string;
}

/**
 * The stage file and its lock must describe the same files from the same sources;
 * otherwise the lock is stale and `run` refuses to guess.
 */
export function assertLockMatchesConfig(config: PullStageConfig, lock: DatasetLock, location: LockCheckLocation): void {
  const fix = `Run \`nx run ${location.stage}:lock\` to update ${location.lockFile}, review the diff, and commit it.`;
  for (const [key, spec] of Object.entries(config.files)) {
    const locked = lock.files[key];
    if (!locked) {
      throw new ConfigError(`File '${key}' is in the stage file but not in the lock`, {
        stage: location.stage,
        file: location.lockFile,
        field: `files.${key}`,
        hint: fix,
      });
    }
    const requestedRef = spec.source.startsWith('hf://') ? (spec.revision ?? 'main') : undefined;
    if (requestedRef !== undefined && locked.ref !== requestedRef && locked.revision !== requestedRef) {
      throw new ConfigError(`File '${key}' asks for revision '${requestedRef}' but the lock was resolved from '${locked.ref ?? locked.revision}'`, {
        stage: location.stage,
        file: location.lockFile,
        field: `files.${key}.revision`,
        hint: fix,
      });
    }
    if (locked.source !== spec.source) {
      throw new ConfigError(`File '${key}' comes from '${spec.source}' in the stage file but from '${locked.source}' in the lock`, {
        stage: location.stage,
        file: location.lockFile,
        field: `files.${key}.source`,
        hint: fix,
      });
    }
  }
  for (const key of Object.keys(lock.files)) {
    if (!(key in config.files)) {
      throw new ConfigError(`File '${key}' is in the lock but no longer in the stage file`, {
        stage: location.stage,
        file: location.lockFile,
        field: `files.${key}`,
        hint: fix,
      });
    }
  }
}
