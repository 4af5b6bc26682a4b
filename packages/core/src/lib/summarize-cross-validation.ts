import { type CrossValidationConfig, type CrossValidationResult, crossValidationOutput, summarizeFolds } from './cross-validation';
import type { StageContext } from './run-stage';
import { readScores } from './select-sweep-point';
import type { StageSweepSpec } from './stage-kind';
import { writeStageOutput } from './stage-output';

/**
 * After a cross-validated stage (or sweep point) trained its own model: read each fold's
 * scores (the fold projects ran before it), write `cv.json` (per metric: the fold values,
 * mean, sample sd) and put `cv.<metric>.mean/sd` in the lineage summary.
 */
export async function summarizeCrossValidation(params: {
  context: StageContext;
  spec: StageSweepSpec;
  config: CrossValidationConfig;
  folds: readonly { project: string; outDir: string }[];
}): Promise<CrossValidationResult> {
  const { context } = params;
  const scores: Record<string, number>[] = [];
  for (const fold of params.folds) scores.push(await readScores(context, params.spec, fold));
  const result: CrossValidationResult = {
    schemaVersion: 1,
    folds: params.config.folds,
    seed: params.config.seed,
    stratify: params.config.stratify,
    metrics: summarizeFolds(scores),
  };
  await writeStageOutput(crossValidationOutput, context.outDir, result, { stage: context.stage.name });
  const summary: Record<string, number> = {};
  for (const [name, { mean, sd }] of Object.entries(result.metrics)) {
    summary[`cv.${name}.mean`] = mean;
    summary[`cv.${name}.sd`] = sd;
    context.log(`cross-validation (${result.folds} folds): ${name} ${mean.toFixed(4)} ± ${sd.toFixed(4)}`);
  }
  context.summarize(summary);
  return result;
}
