import { parseStageOutput, type StageOutput, sweepResultOutput } from '@reproml/core';
import {
  type FeatureImportanceEntry,
  type MetricsDocument,
  metricsOutput,
  modelInfoOutput,
  type TrainingCurve,
  trainingCurveOutput,
} from '@reproml/onnx/contracts';
import type { z } from 'zod';
import type { RunSummary, StoredRun } from './run-record';
import type { RunStore } from './run-store';
import { type RecordedSweep, recordedSweep } from './sweep-runs';

export type { FeatureImportanceEntry, TrainingCurve };

export interface CurvesDocument {
  classes: { class: string; roc: { fpr: number[]; tpr: number[] }; pr: { recall: number[]; precision: number[] }; averagePrecision: number | null }[];
}

export interface ProfileColumn {
  name: string;
  kind: 'number' | 'string';
  count?: number;
  nulls?: number;
  histogram?: { edges: number[]; counts: number[] };
  top?: { value: string; count: number }[];
}

export interface ReportData {
  pipeline: string;
  generatedAt: string;
  /** Newest first. */
  runs: RunSummary[];
  training: { run: RunSummary; curve: TrainingCurve; importance?: FeatureImportanceEntry[] }[];
  evaluations: { run: RunSummary; metrics: MetricsDocument; curves?: CurvesDocument }[];
  profile?: { run: RunSummary; files: Record<string, { columns: ProfileColumn[] }> };
  /** The latest drift stage's drift.json (the drift package renders it). */
  drift?: { run: RunSummary; document: unknown };
  /** Each swept stage's latest selection, with its points' runs. */
  sweeps: RecordedSweep[];
  /** The latest run of each stage, for the stage graph. */
  latestByProject: Map<string, RunSummary>;
  /** The artifacts (sha256) and dataset revisions of each stage's latest run: the lineage table. */
  latestLineage: Map<string, Pick<StoredRun, 'artifacts' | 'datasets'>>;
}

export interface CollectReportDataParams {
  store: RunStore;
  pipeline: string;
  /** Runs in the table (newest first). Default: 200. */
  maxRuns?: number;
  /** Runs with training curves / evaluation plots. Default: 6. */
  maxPlottedRuns?: number;
  generatedAt?: Date;
}

/** What the report shows, read from the run store: runs, and the documents kept with them. */
export async function collectReportData(params: CollectReportDataParams): Promise<ReportData> {
  const { store, pipeline } = params;
  const maxPlotted = params.maxPlottedRuns ?? 6;
  const runs = await store.list({ pipeline, limit: params.maxRuns ?? 200 });
  // Plots use executed runs: a cache restore repeats an earlier run's artifacts.
  const plotted = (kind: string) =>
    runs
      .filter((run) => run.kind === kind && run.origin === 'executed' && run.status === 'succeeded')
      .slice(0, maxPlotted)
      .reverse();
  const training: ReportData['training'] = [];
  for (const run of plotted('train')) {
    const curve = await storedContract(store, run, trainingCurveOutput);
    if (!curve?.epochs.length) continue;
    const modelInfo = await storedContract(store, run, modelInfoOutput);
    const importance = modelInfo?.family === 'gbdt' ? modelInfo.featureImportance : undefined;
    training.push({ run, curve, ...(importance?.length ? { importance } : {}) });
  }
  const evaluations: ReportData['evaluations'] = [];
  for (const run of plotted('evaluate')) {
    const metrics = await storedContract(store, run, metricsOutput);
    if (!metrics) continue;
    const curves = (await store.document(run.id, 'curves.json')) as CurvesDocument | undefined;
    evaluations.push({ run, metrics, ...(curves?.classes ? { curves } : {}) });
  }
  let profile: ReportData['profile'];
  for (const run of runs) {
    if (run.kind !== 'pull' || run.status !== 'succeeded') continue;
    const document = (await store.document(run.id, 'profile.json')) as { files?: Record<string, { columns: ProfileColumn[] }> } | undefined;
    if (document?.files) {
      profile = { run, files: document.files };
      break;
    }
  }
  let drift: ReportData['drift'];
  for (const run of runs) {
    if (run.kind !== 'drift' || run.status !== 'succeeded') continue;
    const document = await store.document(run.id, 'drift.json');
    if (document !== undefined) {
      drift = { run, document };
      break;
    }
  }
  const sweeps: RecordedSweep[] = [];
  const latestTrain = new Map<string, RunSummary>();
  for (const run of runs) if (run.kind === 'train' && run.status === 'succeeded' && !latestTrain.has(run.project)) latestTrain.set(run.project, run);
  for (const [project, run] of latestTrain) {
    // Only a swept stage's own runs keep a sweep.json.
    if ((await store.document(run.id, sweepResultOutput.file)) === undefined) continue;
    const sweep = await recordedSweep(store, project);
    if (sweep) sweeps.push(sweep);
  }
  const latestByProject = new Map<string, RunSummary>();
  for (const run of runs) if (!latestByProject.has(run.project)) latestByProject.set(run.project, run);
  const latestLineage = new Map<string, Pick<StoredRun, 'artifacts' | 'datasets'>>();
  const latest = await store.getMany([...latestByProject.values()].map((run) => run.id));
  for (const full of latest) latestLineage.set(full.project, { artifacts: full.artifacts, datasets: full.datasets });
  return {
    pipeline,
    generatedAt: (params.generatedAt ?? new Date()).toISOString(),
    runs,
    training,
    evaluations,
    profile,
    drift,
    sweeps,
    latestByProject,
    latestLineage,
  };
}

/** A contract document kept with a run, checked against the contract of the kind that wrote it (a mismatch names the run's stage, the file and the field). */
async function storedContract<S extends z.ZodType>(store: RunStore, run: RunSummary, output: StageOutput<S>): Promise<z.output<S> | undefined> {
  const document = await store.document(run.id, output.file);
  return document === undefined ? undefined : parseStageOutput(output, document, `${run.project} run ${run.id}: ${output.file}`, run.project);
}
