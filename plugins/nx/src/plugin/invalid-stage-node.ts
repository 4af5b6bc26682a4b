import { posix } from 'node:path';
import { type CreateNodesResult, logger } from '@nx/devkit';
import { type ConfigError, stageProjectName } from '@reproml/core';
import { graphWarning } from './graph-inputs';
import type { NormalizedOptions } from './plugin-options';

const STAGE_PATH = /^pipelines\/([^/]+)\/([^/]+)\/stage\.json$/;

/**
 * The project of a stage file that does not validate: it keeps its name and place in the
 * graph, so `nx run-many`/`nx affected` of every other pipeline still work, and its `run`
 * target (uncached, no inputs) fails with the file, the field and the fix when anything
 * runs it. Nx would otherwise fail every command with "Failed to process project graph".
 */
export function invalidStageNode(stageFile: string, error: ConfigError, options: NormalizedOptions): CreateNodesResult {
  const file = stageFile.split('\\').join('/');
  const [, pipeline = 'invalid', folder = posix.basename(posix.dirname(file))] = STAGE_PATH.exec(file) ?? [];
  const root = posix.dirname(file);
  const message = error.describe();
  graphWarning(`warning: ${message}`, (text) => logger.warn(text));
  return {
    projects: {
      [root]: {
        name: stageProjectName(pipeline, folder),
        root,
        projectType: 'application',
        tags: [`pipeline:${pipeline}`, 'stage:invalid'],
        targets: {
          [options.runTargetName]: {
            // The executor loads the stage file again and fails with the same error (or runs, once it is fixed).
            executor: '@reproml/nx:stage',
            options: { stageFile: file },
            cache: false,
            inputs: [],
            metadata: { description: `Invalid stage file: ${message}`, technologies: ['reproml'] },
          },
        },
        metadata: { description: `Invalid stage file ${file}: ${error.message}` },
      },
    },
  };
}
