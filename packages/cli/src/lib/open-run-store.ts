import { existsSync } from 'node:fs';
import { RunStore, trackingDatabasePath } from '@reproml/tracking';

/** The workspace's run store (shared by its clones), opened for reading or for annotations. */
export function openRunStore(workspaceRoot: string, options: { write?: boolean } = {}): RunStore {
  const path = trackingDatabasePath({ workspaceRoot });
  // Never create a store just to annotate: a missing one means the path is not the one meant.
  return RunStore.open({ path, readonly: !options.write || !existsSync(path) });
}
