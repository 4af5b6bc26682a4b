import { existsSync } from 'node:fs';
import { RunStore, trackingLocation } from '@reproml/tracking';

/** The workspace's run store (its SQLite file shared by its clones, or REPROML_TRACKING_URL), opened for reading or for annotations. */
export async function openRunStore(workspaceRoot: string, options: { write?: boolean } = {}): Promise<RunStore> {
  const location = trackingLocation({ workspaceRoot });
  // Never create a SQLite store just to annotate: a missing one means the path is not the one meant.
  const readonly = !options.write || (location.engine === 'sqlite' && !existsSync(location.path));
  const store = await RunStore.open({ location, readonly });
  for (const warning of store.warnings) console.error(`warning: ${warning}`);
  return store;
}
