import { join, posix } from 'node:path';
import { defineStageKind } from '@reproml/core';
import { profileOutput } from './lib/profile-document';
import { pullStageConfigSchema } from './lib/pull-stage-config';

/**
 * The stage kinds of @reproml/data. This module stays light (schemas and declarations):
 * the plugin loads it to build the project graph, and `run` loads the work on demand.
 */
export const pullKind = defineStageKind({
  name: 'pull',
  description: 'Pull the dataset files pinned by the lock (local, https:// or hf://), verify their sha256, validate and profile them',
  schema: pullStageConfigSchema,
  inputs: {},
  outputs: [profileOutput],
  packages: ['@reproml/core', '@huggingface/hub', 'hyparquet', 'zod'],
  sources: (config) => Object.values(config.files).map((file) => file.source),
  extraTargets: {
    lock: {
      description: (stage) => `Resolve the sources of ${stage} to their current bytes and rewrite its lock file`,
      run: async (context, config) => {
        const { formatLockChanges, LOCK_FILE_NAME, lockWithChangelog } = require('./index') as typeof import('./index');
        const stageRoot = posix.dirname(context.stage.file);
        const lockFile = `${stageRoot}/${LOCK_FILE_NAME}`;
        const message = context.options.message;
        const { changes, entry, changelogFile } = await lockWithChangelog({
          workspaceRoot: context.workspaceRoot,
          stageRoot,
          message: typeof message === 'string' ? message : undefined,
          ask: () => context.ask('Why did the data change? (one line for the changelog) '),
          stage: context.stage.name,
          config,
          stageFile: context.stage.file,
          lockPath: join(context.workspaceRoot, lockFile),
          lockFile,
          progress: context.progress,
          warn: context.warn,
        });
        for (const line of formatLockChanges(changes)) context.log(line);
        const moved = changes.filter((change) => change.change !== 'unchanged').length;
        if (entry) context.log(`${changelogFile}: appended the entry for lock ${entry.lockSha256.slice(0, 12)} (${entry.author})`);
        context.log(
          moved ? `${lockFile} updated: review it and ${changelogFile}, and commit both to make dependent stages affected.` : `${lockFile} is up to date.`,
        );
      },
    },
  },
  run: async (context, config) => {
    const { LOCK_FILE_NAME, readDatasetLock, runPull } = require('./index') as typeof import('./index');
    const stageRoot = posix.dirname(context.stage.file);
    const lockFile = `${stageRoot}/${LOCK_FILE_NAME}`;
    const lock = await readDatasetLock({ absolutePath: join(context.workspaceRoot, lockFile), file: lockFile, stage: context.stage.name });
    await runPull({ context, config, lock, stageFile: context.stage.file, lockFile });
  },
});

export const stageKinds = [pullKind];

/** Light re-export for other kinds' graph-time declarations (the push kind reads changelogs). */
export { CHANGELOG_FILE, datasetChangelogPaths } from './lib/dataset-changelog';
