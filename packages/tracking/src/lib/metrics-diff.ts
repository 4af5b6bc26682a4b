import type { RunSummary } from './run-record';
import type { RunStore } from './run-store';

export interface MetricDelta {
  project: string;
  metric: string;
  a: number | null;
  b: number | null;
  /** b − a; null when either side is missing. */
  delta: number | null;
}

export interface MetricsDiff {
  a: { commit: string; runs: Record<string, number | null> };
  b: { commit: string; runs: Record<string, number | null> };
  /** Stages with metrics at either commit, sorted by project then metric. */
  deltas: MetricDelta[];
}

export interface MetricsDiffParams {
  store: RunStore;
  /** Full commit shas. */
  commitA: string;
  commitB: string;
  pipeline?: string;
  /** Only metrics that changed (like `dvc metrics diff` without --all). Default: false. */
  changedOnly?: boolean;
}

/**
 * The metrics each commit's pipeline produced, with deltas, like `dvc metrics diff`. For each
 * stage, the newest successful run recorded at that commit counts (a run from a clean tree
 * before one from a dirty tree, whose metrics may not be the commit's).
 */
export async function metricsDiff(params: MetricsDiffParams): Promise<MetricsDiff> {
  const atA = runsByProject(await params.store.list({ gitCommit: params.commitA, status: 'succeeded', pipeline: params.pipeline }));
  const atB = runsByProject(await params.store.list({ gitCommit: params.commitB, status: 'succeeded', pipeline: params.pipeline }));
  const projects = [...new Set([...atA.keys(), ...atB.keys()])].sort();
  const deltas: MetricDelta[] = [];
  for (const project of projects) {
    const a = atA.get(project)?.metrics ?? {};
    const b = atB.get(project)?.metrics ?? {};
    for (const metric of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const before = a[metric] ?? null;
      const after = b[metric] ?? null;
      if (params.changedOnly && before === after) continue;
      deltas.push({ project, metric, a: before, b: after, delta: before === null || after === null ? null : after - before });
    }
  }
  const ids = (runs: Map<string, RunSummary>) => Object.fromEntries(projects.map((project) => [project, runs.get(project)?.id ?? null]));
  return { a: { commit: params.commitA, runs: ids(atA) }, b: { commit: params.commitB, runs: ids(atB) }, deltas };
}

function runsByProject(runs: readonly RunSummary[]): Map<string, RunSummary> {
  const chosen = new Map<string, RunSummary>();
  // `runs` is newest first: keep the first clean run per project, else the first one.
  for (const run of runs) {
    const current = chosen.get(run.project);
    if (!current || (current.gitDirty && !run.gitDirty)) chosen.set(run.project, run);
  }
  return chosen;
}
