import { existsSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crossValidationOutput, crossValidationScores } from './cross-validation';
import { ConfigError, StageIOError } from './errors';
import type { StageContext } from './run-stage';
import type { StageSweepSpec } from './stage-kind';
import { readStageOutput, writeStageOutput } from './stage-output';
import type { SweepConfig } from './sweep-config';
import { compareSweepPoints, describeSweepPoint, type SweepPoint } from './sweep-points';
import { type SweepPointScore, type SweepResult, sweepResultOutput } from './sweep-result';

/** A point as the selection sees it: where its project wrote its artifacts. */
export interface SweepPointOutput {
  point: SweepPoint;
  project: string;
  /** Absolute output folder of the point's project. */
  outDir: string;
}

export interface SelectSweepPointParams {
  context: StageContext;
  select: SweepConfig['select'];
  spec: StageSweepSpec;
  points: readonly SweepPointOutput[];
}

/**
 * The work of a sweep stage's own project: read every point's scores, rank the points by the
 * selection metric (ties: canonical point order), copy the winner's artifacts into `out/` (so
 * downstream stages see one model, exactly as from an unswept stage) and write `sweep.json`.
 */
export async function selectSweepPoint(params: SelectSweepPointParams): Promise<SweepResult> {
  const { context, spec, select } = params;
  const goal = select.goal ?? spec.metrics[select.metric.replace(/^cv\./, '')];
  if (goal === undefined) throw unknownMetricError(context, spec);
  context.progress({ type: 'phase', phase: 'select', detail: `${params.points.length} points by ${select.metric} (${goal})` });
  const scored: Omit<SweepPointScore, 'rank'>[] = [];
  for (const output of params.points) scored.push({ ...(await pointScores(context, spec, output)), id: output.point.id });
  for (const entry of scored) {
    if (!Number.isFinite(entry.scores[select.metric])) {
      throw new StageIOError(`Point ${entry.project} has no finite '${select.metric}' (its scores: ${JSON.stringify(entry.scores)})`, {
        stage: context.stage.name,
        file: context.stage.file,
        field: 'sweep.select.metric',
        hint: `Select by a metric every point reports (${Object.keys(entry.scores).join(', ') || 'none'}).`,
      });
    }
  }
  const byPoint = new Map(params.points.map((output) => [output.point.id, output.point]));
  const ranked = [...scored].sort((a, b) => {
    const difference = goal === 'min' ? a.scores[select.metric]! - b.scores[select.metric]! : b.scores[select.metric]! - a.scores[select.metric]!;
    return difference !== 0 ? difference : compareSweepPoints(byPoint.get(a.id)!, byPoint.get(b.id)!);
  });
  const winner = params.points.find((output) => output.point.id === ranked[0]!.id)!;
  for (const artifact of spec.artifacts) {
    const source = join(winner.outDir, artifact);
    await context.recordInput(source, winner.project);
    await copyFile(source, join(context.outDir, artifact));
  }
  const rankOf = new Map(ranked.map((entry, index) => [entry.id, index + 1]));
  const result: SweepResult = {
    schemaVersion: 1,
    metric: select.metric,
    goal,
    tieBreak: 'canonical point order',
    parameters: [...new Set(params.points.flatMap((output) => Object.keys(output.point.values)))].sort(),
    winner: winner.point.id,
    points: scored.map((entry) => ({ ...entry, rank: rankOf.get(entry.id)! })),
  };
  await writeStageOutput(sweepResultOutput, context.outDir, result, { stage: context.stage.name });
  const best = ranked[0]!.scores[select.metric]!;
  context.log(`selected ${winner.project} (${describeSweepPoint(winner.point)}): ${select.metric} ${best} (best of ${ranked.length}, ${goal})`);
  context.summarize({ sweepPoints: ranked.length, sweepWinner: winner.point.id, [select.metric]: best });
  return result;
}

async function pointScores(context: StageContext, spec: StageSweepSpec, output: SweepPointOutput): Promise<Omit<SweepPointScore, 'rank' | 'id'>> {
  const scores = await readScores(context, spec, output);
  const cvPath = join(output.outDir, crossValidationOutput.file);
  if (existsSync(cvPath)) {
    await context.recordInput(cvPath, output.project);
    const cv = await readStageOutput(crossValidationOutput, cvPath, `${output.project}/out/${crossValidationOutput.file}`, context.stage.name);
    Object.assign(scores, crossValidationScores(cv));
  }
  return { project: output.project, values: { ...output.point.values }, scores };
}

/** The scores of a finished project (a sweep point or a fold) from its score files, each recorded as an input. */
export async function readScores(context: StageContext, spec: StageSweepSpec, output: { project: string; outDir: string }): Promise<Record<string, number>> {
  const documents: Record<string, unknown> = {};
  for (const contract of spec.scoreFiles) {
    const file = contract.file;
    const path = join(output.outDir, file);
    if (!existsSync(path)) {
      throw new StageIOError(`${output.project}/out/${file} is missing: ${context.stage.name} reads its scores`, {
        stage: context.stage.name,
        file: `${output.project}/out/${file}`,
        hint: `Run ${output.project} first (nx runs it before ${context.stage.name}).`,
      });
    }
    await context.recordInput(path, output.project);
    documents[file] = await readStageOutput(contract, path, `${output.project}/out/${file}`, context.stage.name);
  }
  return spec.scores(documents);
}

function unknownMetricError(context: StageContext, spec: StageSweepSpec): ConfigError {
  return new ConfigError(`Unknown selection metric`, {
    stage: context.stage.name,
    file: context.stage.file,
    field: 'sweep.select.metric',
    hint: `Use one of: ${Object.keys(spec.metrics).join(', ')} (or give "goal").`,
  });
}
