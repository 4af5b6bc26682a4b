import { type Column, DataError, didYouMean, type Table } from '@reproml/core';
import { compareColumn } from './compare-column';
import type { DriftReport, FeatureDrift } from './drift-report';
import { type DriftStageConfig, thresholdsFor } from './drift-stage-config';
import type { DriftVerdict } from './drift-verdict';

/** Model outputs to compare: on the reference split and on the batch, as one column each. */
export interface PredictionColumns {
  reference: Column;
  batch: Column;
  referenceSplit: string;
  /** Batch rows the model could not score (a category it was never fitted on). */
  excludedRows: number;
}

export type DriftChecks = Omit<DriftReport, 'schemaVersion' | 'reference' | 'batch'>;

export type DriftCheckConfig = Pick<DriftStageConfig, 'thresholds' | 'features' | 'alpha' | 'prediction' | 'overall' | 'psiEpsilon'>;

export interface CheckTableDriftParams {
  /** The training split (raw columns). */
  reference: Table;
  batch: Table;
  /** Features to check, in report order. */
  columns: readonly string[];
  config: DriftCheckConfig;
  predictions?: PredictionColumns;
  /** For error messages. */
  batchFile?: string;
}

/**
 * Every drift check of a batch against the training split, and the overall verdict: the
 * batch alerts when at least `overall.alertFeatures` features alert, when the predictions
 * alert, or when at least `overall.driftShare` of the features warn or alert.
 */
export function checkTableDrift(params: CheckTableDriftParams): DriftChecks {
  const { config } = params;
  const checked = params.columns.filter((name) => !config.features[name]?.ignore);
  const tests = checked.length + (params.predictions ? 1 : 0);
  const significanceLevel = config.alpha / Math.max(tests, 1);
  const features = checked.map((name) =>
    compareColumn({
      reference: column(params.reference, name, 'the training split'),
      batch: column(params.batch, name, params.batchFile ?? 'the batch'),
      thresholds: thresholdsFor(config, name),
      significanceLevel,
      psiEpsilon: config.psiEpsilon,
    }),
  );
  const prediction = params.predictions
    ? {
        ...compareColumn({
          reference: { ...params.predictions.reference, name: 'prediction' } as Column,
          batch: { ...params.predictions.batch, name: 'prediction' } as Column,
          thresholds: { psi: config.prediction.psi },
          significanceLevel,
          psiEpsilon: config.psiEpsilon,
        }),
        referenceSplit: params.predictions.referenceSplit,
        excludedRows: params.predictions.excludedRows,
      }
    : null;

  const all: FeatureDrift[] = prediction ? [...features, prediction] : features;
  const alerts = all.filter((feature) => feature.verdict === 'alert').map((feature) => feature.name);
  const warnings = all.filter((feature) => feature.verdict === 'warn').map((feature) => feature.name);
  const drifted = features.filter((feature) => feature.verdict !== 'ok').length;
  const driftedShare = features.length ? drifted / features.length : 0;
  const featureAlerts = features.filter((feature) => feature.verdict === 'alert').length;
  const verdict: DriftVerdict =
    featureAlerts >= config.overall.alertFeatures || prediction?.verdict === 'alert' || (drifted > 0 && driftedShare >= config.overall.driftShare)
      ? 'alert'
      : alerts.length + warnings.length > 0
        ? 'warn'
        : 'ok';
  return {
    verdict,
    alerts,
    warnings,
    summary: summarize({ verdict, all, driftedShare }),
    alpha: config.alpha,
    tests,
    significanceLevel,
    features,
    prediction,
    overall: { alertFeatures: config.overall.alertFeatures, driftShare: config.overall.driftShare, driftedShare },
  };
}

function column(table: Table, name: string, where: string): Column {
  const found = table.columns.find((candidate) => candidate.name === name);
  if (found) return found;
  throw new DataError(
    `${where} has no column '${name}'${didYouMean(
      name,
      table.columns.map((candidate) => candidate.name),
    )}`,
    {
      hint: 'The batch must have the columns the model was trained on; list the ones to check in "columns".',
    },
  );
}

function summarize(params: { verdict: DriftVerdict; all: FeatureDrift[]; driftedShare: number }): string {
  const named = (level: DriftVerdict) =>
    params.all.filter((feature) => feature.verdict === level).map((feature) => `${feature.name} (${firstReason(feature, level)})`);
  const parts = [`drift ${params.verdict}`];
  const alerting = named('alert');
  const warning = named('warn');
  if (alerting.length) parts.push(`alert: ${alerting.join('; ')}`);
  if (warning.length) parts.push(`warn: ${warning.join('; ')}`);
  if (!alerting.length && !warning.length) parts.push(`no feature drifted (${params.all.length} checked)`);
  return parts.join(' — ');
}

function firstReason(feature: FeatureDrift, level: DriftVerdict): string {
  const reason = feature.reasons.find((text) => text.startsWith(`${level}:`)) ?? '';
  return reason.slice(level.length + 2);
}
