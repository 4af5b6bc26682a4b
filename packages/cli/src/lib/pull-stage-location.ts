import { ConfigError, didYouMean, listStageFolders, readStageKind } from '@reproml/core';
import type { StageLocation } from './stage-layout';

/**
 * The pull stage a user names on the command line: its project name (`penguins-data`), its
 * folder (`pipelines/penguins/data`) or `<pipeline>/<stage>`.
 */
export function findPullStage(workspaceRoot: string, name: string): StageLocation {
  const stages = listStageFolders(workspaceRoot);
  const wanted = name.replace(/\/+$/, '').replace(/^pipelines\//, '');
  const stage = stages.find((candidate) => candidate.project === wanted || `${candidate.pipeline}/${candidate.stage}` === wanted);
  if (!stage) {
    throw new ConfigError(
      `No stage named '${name}'${didYouMean(
        wanted,
        stages.map((candidate) => candidate.project),
      )}`,
      {
        hint: 'Name a pull stage by its project name (e.g. penguins-data) or folder (pipelines/penguins/data).',
      },
    );
  }
  const kind = readStageKind(workspaceRoot, stage);
  if (kind !== 'pull') {
    throw new ConfigError(`${stage.project} is a ${kind ?? 'stage of no kind'} stage; datasets are locked by pull stages`, {
      stage: stage.project,
      file: `${stage.root}/stage.json`,
      field: 'kind',
    });
  }
  return stage;
}
