import { isReproError } from '@reproml/core';
import type { RunRecord } from './run-record';
import { RunStore } from './run-store';
import { trackingDatabasePath, trackingEnabled } from './tracking-location';

export type RecordRunResult =
  | { recorded: true; id: number; path: string }
  | { recorded: false; reason: 'disabled' }
  | { recorded: false; reason: 'failed'; path: string; warning: string };

export interface RecordRunParams {
  workspaceRoot: string;
  /** Builds the record; called only when tracking is on, and its failures are caught too. */
  collect: () => RunRecord;
  env?: NodeJS.ProcessEnv;
}

/**
 * Records one run and never throws: recording is a side effect of the pipeline, so a
 * corrupted, locked or unwritable store costs a warning, never a stage. Nothing here
 * writes inside the workspace.
 */
export function recordRun(params: RecordRunParams): RecordRunResult {
  const env = params.env ?? process.env;
  if (!trackingEnabled(env)) return { recorded: false, reason: 'disabled' };
  let path = '(unknown)';
  try {
    path = trackingDatabasePath({ workspaceRoot: params.workspaceRoot, env });
    const run = params.collect();
    const store = RunStore.open({ path, busyTimeoutMs: Number(env.REPROML_TRACKING_BUSY_TIMEOUT_MS) || undefined });
    try {
      return { recorded: true, id: store.record(run), path };
    } finally {
      store.close();
    }
  } catch (error) {
    const detail = isReproError(error) ? error.describe() : error instanceof Error ? error.message : String(error);
    return { recorded: false, reason: 'failed', path, warning: `run not recorded (the stage itself is unaffected): ${detail}` };
  }
}
