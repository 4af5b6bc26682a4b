import { isReproError } from '@reproml/core';
import type { RunRecord } from './run-record';
import { RunStore } from './run-store';
import { describeTrackingLocation, trackingEnabled, trackingLocation } from './tracking-location';

export type RecordRunResult =
  /** `warnings`: the store's own (journaled runs it could not fold in: see run-journal.ts). */
  | { recorded: true; id: number; path: string; warnings: string[] }
  | { recorded: false; reason: 'disabled' }
  | { recorded: false; reason: 'failed'; path: string; warning: string };

export type RecordRunsResult =
  | { recorded: true; ids: number[]; path: string; warnings: string[] }
  | { recorded: false; reason: 'disabled' }
  | { recorded: false; reason: 'failed'; path: string; warning: string };

export interface RecordRunParams {
  workspaceRoot: string;
  /** Builds the record; called only when tracking is on, and its failures are caught too. */
  collect: () => RunRecord;
  env?: NodeJS.ProcessEnv;
}

/** Recording waits at most this long for a PostgreSQL query: a stage must never hang on its run store. */
const RECORD_QUERY_TIMEOUT_MS = 15_000;

/**
 * Records one run and never throws: recording is a side effect of the pipeline, so a
 * corrupted, locked, unreachable or unwritable store costs a warning, never a stage. Nothing
 * here writes inside the workspace. `path` in the result is the store as it may be printed.
 */
export async function recordRun(params: RecordRunParams): Promise<RecordRunResult> {
  const result = await recordRuns({ ...params, collect: () => [params.collect()] });
  return result.recorded ? { recorded: true, id: result.ids[0]!, path: result.path, warnings: result.warnings } : result;
}

/**
 * Records several runs with one connection and one transaction (the cache restores of one
 * `nx run-many`), never throwing, like `recordRun`. An empty list opens nothing.
 */
export async function recordRuns(params: Omit<RecordRunParams, 'collect'> & { collect: () => RunRecord[] }): Promise<RecordRunsResult> {
  const env = params.env ?? process.env;
  if (!trackingEnabled(env)) return { recorded: false, reason: 'disabled' };
  let path = '(unknown)';
  try {
    const location = trackingLocation({ workspaceRoot: params.workspaceRoot, env });
    path = describeTrackingLocation(location);
    const runs = params.collect();
    if (runs.length === 0) return { recorded: true, ids: [], path, warnings: [] };
    const store = await RunStore.open({
      location,
      busyTimeoutMs: Number(env.REPROML_TRACKING_BUSY_TIMEOUT_MS) || undefined,
      connectTimeoutMs: Number(env.REPROML_TRACKING_CONNECT_TIMEOUT_MS) || undefined,
      queryTimeoutMs: RECORD_QUERY_TIMEOUT_MS,
    });
    try {
      return { recorded: true, ids: await store.recordMany(runs), path, warnings: store.warnings };
    } finally {
      await store.close();
    }
  } catch (error) {
    const detail = isReproError(error) ? error.describe() : error instanceof Error ? error.message : String(error);
    return { recorded: false, reason: 'failed', path, warning: `run not recorded (the stage itself is unaffected): ${detail}` };
  }
}
