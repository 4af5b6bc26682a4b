import {
  type AnyStageKind,
  applySweepPoint,
  ConfigError,
  type CrossValidationConfig,
  expandSweep,
  foldProjectName,
  foldRootDir,
  isReproError,
  parseConfig,
  type SweepConfig,
  sweepPointOutputDir,
  sweepPointProjectName,
  sweepPointRootDir,
} from '@reproml/core';
import type { LoadedStage } from './load-stage';
import type { StageFile } from './stage-file-schema';

/**
 * The points of a swept stage, each a stage of its own: project `<stage project>--<id>`,
 * rooted in the stage's `points/<id>`, with the stage file's config and the point's settings
 * written in (validated by the kind's schema, so a swept key that is not a setting of the
 * kind fails at graph time, naming the sweep field).
 */
export function sweepPointStages(stage: LoadedStage, raw: Record<string, unknown>): LoadedStage[] {
  const sweep = stage.config.sweep as SweepConfig;
  checkSweepable(stage, sweep);
  const { pipeline } = stage.identity;
  return expandSweep(sweep).map((point) => {
    const config = withSweepField(stage, sweep, () =>
      parseConfig({ schema: stage.kind.schema, value: applySweepPoint(raw, point), file: stage.identity.file, stage: stage.identity.name }),
    );
    const root = sweepPointRootDir(pipeline, stage.folder, point.id);
    return {
      ...stage,
      identity: { ...stage.identity, name: sweepPointProjectName(pipeline, stage.folder, point.id) },
      config: config as StageFile,
      root,
      outputDir: sweepPointOutputDir(pipeline, stage.folder, point.id),
      points: undefined,
      point: { point, sweepStage: stage.identity.name },
    };
  });
}

/** Validates the point configs, turning an error in a swept setting into one that names the sweep field. */
function withSweepField<T>(stage: LoadedStage, sweep: SweepConfig, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (!(error instanceof ConfigError) || !error.field) throw error;
    const swept = sweptField(sweep, error.field);
    if (!swept) throw error;
    throw new ConfigError(`Swept setting '${swept.path}' is not a valid ${stage.kind.name} setting: ${error.message}`, {
      stage: stage.identity.name,
      file: stage.identity.file,
      field: swept.field,
      hint: `Sweep a field a ${stage.kind.name} stage accepts, with values it accepts${isReproError(error) && error.hint ? ` (${error.hint.replace(/\.$/, '')})` : ''}.`,
      cause: error,
    });
  }
}

function sweptField(sweep: SweepConfig, field: string): { path: string; field: string } | undefined {
  const matches = (path: string) => field === path || field.startsWith(`${path}.`) || path.startsWith(`${field}.`);
  for (const path of Object.keys(sweep.grid ?? {})) if (matches(path)) return { path, field: `sweep.grid.${path}` };
  for (const path of Object.keys(sweep.random?.space ?? {})) if (matches(path)) return { path, field: `sweep.random.space.${path}` };
  return undefined;
}

/**
 * The folds of a cross-validated stage or sweep point, each a stage of its own: project
 * `<owner>--fold-<i>`, rooted in the owner's `folds/<i>`, with the owner's config; its work
 * gets the fold (`context.fold`).
 */
export function foldStages(owner: LoadedStage): LoadedStage[] {
  const cv = owner.config.crossValidation as CrossValidationConfig;
  return Array.from({ length: cv.folds }, (_, i) => {
    const index = i + 1;
    const root = foldRootDir(owner.root, index);
    return {
      ...owner,
      identity: { ...owner.identity, name: foldProjectName(owner.identity.name, index) },
      root,
      outputDir: `${root}/out`,
      points: undefined,
      folds: undefined,
      fold: { spec: { index, folds: cv.folds, seed: cv.seed, stratify: cv.stratify }, owner: owner.identity.name },
    };
  });
}

function checkSweepable(stage: LoadedStage, sweep: SweepConfig): void {
  const spec = (stage.kind as AnyStageKind).sweep;
  if (!spec) {
    throw new ConfigError(`A ${stage.kind.name} stage cannot be swept`, {
      stage: stage.identity.name,
      file: stage.identity.file,
      field: 'sweep',
      hint: 'Remove "sweep" (train stages can be swept).',
    });
  }
  const cvMetric = /^cv\.(.+)$/.exec(sweep.select.metric)?.[1];
  if (cvMetric !== undefined && stage.config.crossValidation === undefined) {
    throw new ConfigError(`Selection metric '${sweep.select.metric}' needs cross-validation`, {
      stage: stage.identity.name,
      file: stage.identity.file,
      field: 'sweep.select.metric',
      hint: `Add "crossValidation": { "folds": 5 } to the stage, or select by '${cvMetric}'.`,
    });
  }
  if (!((cvMetric ?? sweep.select.metric) in spec.metrics)) {
    throw new ConfigError(`Unknown selection metric '${sweep.select.metric}'`, {
      stage: stage.identity.name,
      file: stage.identity.file,
      field: 'sweep.select.metric',
      hint: `Select by one of: ${Object.keys(spec.metrics).join(', ')}${stage.config.crossValidation ? ' (or its cross-validated mean: cv.<metric>)' : ''}.`,
    });
  }
}
