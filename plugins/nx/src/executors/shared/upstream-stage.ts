import { join } from 'node:path';
import { ConfigError, resolveStageReference, stageOutputDir } from '@reproml/core';
import type { LoadedStage } from '../../stage-file/load-stage';

export interface UpstreamStage {
  /** Absolute output folder of the upstream stage. */
  dir: string;
  /** Its Nx project name (`<pipeline>-<stage>`), for messages and lineage. */
  stage: string;
}

/** The upstream stage a stage file names as `inputs.<name>` (the schema has made sure it is there). */
export function upstreamStage(stage: LoadedStage, workspaceRoot: string, inputName: string): UpstreamStage {
  const reference = stage.config.inputs[inputName];
  if (reference === undefined) {
    throw new ConfigError(`The stage needs inputs.${inputName}`, { stage: stage.identity.name, file: stage.identity.file, field: `inputs.${inputName}` });
  }
  return {
    dir: join(workspaceRoot, stageOutputDir(stage.identity.pipeline, reference)),
    stage: resolveStageReference(stage.identity.pipeline, reference),
  };
}
