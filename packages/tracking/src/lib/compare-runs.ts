import type { StoredRun } from './run-record';

export interface ComparedValue<T> {
  key: string;
  /** One value per compared run, in the order given; null where a run has none. */
  values: (T | null)[];
  /** True when the runs do not all have the same value. */
  differs: boolean;
}

export interface RunComparison {
  runs: Pick<StoredRun, 'id' | 'project' | 'origin' | 'status' | 'startedAt' | 'gitCommit' | 'gitDirty' | 'taskHash' | 'note'>[];
  params: ComparedValue<string | number | boolean>[];
  metrics: ComparedValue<number>[];
}

/** Config fields that say nothing about what a run computed. */
const IGNORED_PARAMS = new Set(['description', '$schema']);

/** Params (flattened to dotted keys) and metrics of several runs side by side, differences flagged. */
export function compareRuns(runs: readonly StoredRun[]): RunComparison {
  const flatParams = runs.map((run) => flattenParams(run.params));
  return {
    runs: runs.map(({ id, project, origin, status, startedAt, gitCommit, gitDirty, taskHash, note }) => ({
      id,
      project,
      origin,
      status,
      startedAt,
      gitCommit,
      gitDirty,
      taskHash,
      note,
    })),
    params: compareKeys(flatParams),
    metrics: compareKeys(runs.map((run) => run.metrics)),
  };
}

function compareKeys<T>(records: readonly Record<string, T>[]): ComparedValue<T>[] {
  const keys = [...new Set(records.flatMap((record) => Object.keys(record)))].sort();
  return keys.map((key) => {
    const values = records.map((record) => (key in record ? record[key]! : null));
    return { key, values, differs: new Set(values.map((value) => JSON.stringify(value))).size > 1 };
  });
}

/**
 * `{ training: { optimizer: { learningRate: 0.01 } } }` → `{ "training.optimizer.learningRate": 0.01 }`.
 * Arrays stay whole (as JSON text): `hiddenLayers: [32, 16]` is one hyper-parameter.
 */
export function flattenParams(params: Record<string, unknown>, prefix = ''): Record<string, string | number | boolean> {
  const flat: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(params)) {
    if (!prefix && IGNORED_PARAMS.has(key)) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === 'object' && !Array.isArray(value)) Object.assign(flat, flattenParams(value as Record<string, unknown>, path));
    else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') flat[path] = value;
    else flat[path] = JSON.stringify(value ?? null);
  }
  return flat;
}
