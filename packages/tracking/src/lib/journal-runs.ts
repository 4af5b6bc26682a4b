import { appendRunJournal } from './run-journal';
import type { RunRecord } from './run-record';
import { describeTrackingLocation, trackingEnabled, trackingLocation } from './tracking-location';

export type JournalRunsResult =
  | { journaled: true; count: number; path: string }
  | { journaled: false; reason: 'disabled' }
  /** A PostgreSQL store is shared: its runs are recorded at once (recordRuns), not left in a journal on this machine. */
  | { journaled: false; reason: 'shared-store' }
  | { journaled: false; reason: 'failed'; path: string; warning: string };

/**
 * Writes runs to the journal of the workspace's SQLite run store (run-journal.ts), for the next
 * open of the store to fold in: no SQLite, no zod, one append. Never throws, like recordRuns.
 * `collect` is called only when the runs go to a journal.
 */
export function journalRuns(params: { workspaceRoot: string; collect: () => RunRecord[]; env?: NodeJS.ProcessEnv }): JournalRunsResult {
  const env = params.env ?? process.env;
  if (!trackingEnabled(env)) return { journaled: false, reason: 'disabled' };
  let path = '(unknown)';
  try {
    const location = trackingLocation({ workspaceRoot: params.workspaceRoot, env });
    if (location.engine !== 'sqlite') return { journaled: false, reason: 'shared-store' };
    path = describeTrackingLocation(location);
    const runs = params.collect();
    appendRunJournal(location.path, runs);
    return { journaled: true, count: runs.length, path };
  } catch (error) {
    return {
      journaled: false,
      reason: 'failed',
      path,
      warning: `run not recorded (the stage itself is unaffected): ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
