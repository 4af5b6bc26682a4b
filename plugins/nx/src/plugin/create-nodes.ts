import { type CreateNodesV2, createNodesFromFiles, type TargetConfiguration } from '@nx/devkit';
import { type LoadedStage, loadStage, STAGE_FILE_GLOB } from '../stage-file/load-stage';
import { stageRunInputs } from './stage-target-inputs';

export interface ReproMLPluginOptions {
  /** Name of the target that runs a stage. Default: `run`. */
  runTargetName?: string;
}

interface NormalizedOptions {
  runTargetName: string;
}

function normalizeOptions(options: ReproMLPluginOptions | undefined): NormalizedOptions {
  return { runTargetName: options?.runTargetName ?? 'run' };
}

/** One Nx project per stage file, named `<pipeline>-<stage>`. */
export const createNodesV2: CreateNodesV2<ReproMLPluginOptions> = [
  STAGE_FILE_GLOB,
  (stageFiles, options, context) =>
    createNodesFromFiles(
      (stageFile, pluginOptions, nodeContext) => {
        const normalized = normalizeOptions(pluginOptions);
        const stage = loadStage(nodeContext.workspaceRoot, stageFile);
        return {
          projects: {
            [stage.root]: {
              name: stage.identity.name,
              root: stage.root,
              projectType: 'application',
              tags: [`pipeline:${stage.identity.pipeline}`, `stage:${stage.identity.kind}`],
              targets: stageTargets(nodeContext.workspaceRoot, stage, normalized),
              metadata: { description: stage.config.description ?? stage.kind.description },
            },
          },
        };
      },
      stageFiles,
      options,
      context,
    ),
];

function stageTargets(workspaceRoot: string, stage: LoadedStage, options: NormalizedOptions): Record<string, TargetConfiguration> {
  const targets: Record<string, TargetConfiguration> = {
    [options.runTargetName]: {
      executor: `@reproml/nx:${stage.kind.executor}`,
      options: { stageFile: stage.identity.file },
      cache: stage.kind.cacheRun !== false,
      dependsOn: [`^${options.runTargetName}`],
      inputs: stageRunInputs(workspaceRoot, stage),
      outputs: [`{projectRoot}/out`],
      metadata: { description: `${stage.kind.description} (${stage.identity.kind} stage)`, technologies: ['reproml'] },
    },
  };
  if (stage.kind.extraTargets.includes('lock')) {
    targets.lock = {
      executor: '@reproml/nx:lock',
      options: { stageFile: stage.identity.file },
      cache: false,
      metadata: { description: `Resolve the sources of ${stage.identity.name} to their current bytes and rewrite its lock file` },
    };
  }
  return targets;
}
