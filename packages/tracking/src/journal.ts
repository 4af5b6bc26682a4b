/**
 * The light part of @reproml/tracking (node builtins and core's light part: no zod, no SQLite
 * driver): what the plugin loads after every command that restored a stage from a cache, to
 * collect those restores and append them to the run journal (see lib/run-journal.ts) before Nx
 * exits. The run store folds the journal in when it is next opened.
 */
export { type CollectStageRunParams, collectStageRun } from './lib/collect-stage-run';
export { type JournalRunsResult, journalRuns } from './lib/journal-runs';
export { trackingEnabled } from './lib/tracking-location';
