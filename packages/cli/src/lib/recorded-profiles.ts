import { parseStageOutput } from '@reproml/core';
import { type DatasetVersionFile, type LockedFile, profileOutput } from '@reproml/data';
import type { RunStore } from '@reproml/tracking';
import { openRunStore } from './open-run-store';
import type { StageLocation } from './stage-layout';

type Recorded = Pick<DatasetVersionFile, 'profile' | 'validation'>;

/** How many of a pull stage's newest successful runs are searched for a version's profile. */
const RUNS_SEARCHED = 200;

/**
 * Profiles the run store kept for a pull stage (each run keeps `profile.json` and
 * `validation.json`), found by the sha256 of the file the run wrote: `data diff` reads a
 * version from here before downloading it again. The store opens on first use; a store
 * that cannot be read is no source (the data itself still is).
 */
export function recordedProfiles(
  workspaceRoot: string,
  stage: StageLocation,
): { lookup: (key: string, locked: LockedFile) => Promise<Recorded | undefined>; close: () => Promise<void> } {
  let store: Promise<RunStore | undefined> | undefined;
  const open = () => {
    store ??= openRunStore(workspaceRoot).catch(() => undefined);
    return store;
  };
  return {
    async lookup(key, locked) {
      const runs = await open();
      if (!runs) return undefined;
      try {
        const summaries = await runs.list({ stage: stage.project, status: 'succeeded', limit: RUNS_SEARCHED });
        for (const summary of summaries) {
          const run = await runs.get(summary.id);
          // Artifacts are the run's lineage outputs: paths inside out/.
          const written = run?.artifacts.some((artifact) => artifact.path === `${key}.${locked.format}` && artifact.sha256 === locked.sha256);
          if (!run || !written) continue;
          const document = run.documents[profileOutput.file];
          // Through the contract: runs recorded before sketches kept version 1 profiles (all figures exact), read as version 2.
          const profile = document === undefined ? undefined : parseStageOutput(profileOutput, document, profileOutput.file).files[key];
          const validation = (run.documents['validation.json'] as { files?: Record<string, Recorded['validation']> } | undefined)?.files?.[key];
          if (profile && validation) return { profile, validation };
        }
      } catch {
        // an unreadable store is no source; the data is
      }
      return undefined;
    },
    async close() {
      await (await store)?.close();
    },
  };
}
