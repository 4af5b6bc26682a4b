import { join } from 'node:path';
import type { FoldSpec } from './cross-validation';
import type { StageContext } from './run-stage';
import type { StageRunContext } from './stage-kind';
import { resolveStageReference, stageOutputDir } from './stage-layout';
import { createUpstreamStage, missingInputError, type UpstreamStage } from './upstream-stage';

/** The context a kind's `run` gets: `runStage`'s context, the stage folder and each named upstream stage. */
export function createStageRunContext(
  context: StageContext,
  params: { stageDir: string; inputs: Readonly<Record<string, string>>; describeInput?: (name: string) => string | undefined; fold?: FoldSpec },
): StageRunContext {
  const inputs: Record<string, UpstreamStage> = {};
  for (const [name, reference] of Object.entries(params.inputs)) {
    inputs[name] = createUpstreamStage({
      name,
      dir: join(context.workspaceRoot, stageOutputDir(context.stage.pipeline, reference)),
      stage: resolveStageReference(context.stage.pipeline, reference),
      context,
    });
  }
  return {
    ...context,
    stageDir: params.stageDir,
    inputs,
    ...(params.fold ? { fold: params.fold } : {}),
    input: (name) => {
      const upstream = inputs[name];
      if (!upstream) throw missingInputError(context, name, params.describeInput?.(name) ?? 'an upstream stage');
      return upstream;
    },
  };
}
