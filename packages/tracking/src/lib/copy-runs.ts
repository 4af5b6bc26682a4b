import { runFingerprint } from './run-fingerprint';
import type { RunStore } from './run-store';

export interface CopyRunsParams {
  from: RunStore;
  to: RunStore;
  /** Runs per target transaction. Default 500. */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface CopyRunsResult {
  /** Runs in the source store. */
  source: number;
  /** Of those, runs the target did not have and now has. */
  added: number;
  /** Of those, runs the target already had (an earlier copy, or recorded there twice). */
  present: number;
  /** Runs in the target store afterwards (other clones' runs included). */
  target: number;
  /** Source runs the target holds with the same content (fingerprint recomputed from what the target returns), tags and note. */
  verified: number;
  /** Fingerprints (first 12 hex) of source runs the target does not hold as they are in the source. */
  mismatches: string[];
}

/**
 * Copies every run of one store into another (SQLite → PostgreSQL, or back), oldest first, in
 * batches of one transaction each. Idempotent: runs are matched by fingerprint, so a rerun
 * adds nothing and only fills in tags and notes added since. Then verifies each source run
 * against what the target returns: same fingerprint (every recorded field and document),
 * every source tag, the source's note.
 */
export async function copyRuns(params: CopyRunsParams): Promise<CopyRunsResult> {
  const batchSize = params.batchSize ?? 500;
  const ids = await params.from.ids();
  let added = 0;
  let verified = 0;
  const mismatches: string[] = [];
  for (let start = 0; start < ids.length; start += batchSize) {
    const runs = await params.from.getMany(ids.slice(start, start + batchSize));
    const result = await params.to.importRuns(runs.map(({ id: _id, ...run }) => run));
    added += result.added;
    const fingerprints = runs.map((run) => runFingerprint(run));
    const copies = await params.to.getByFingerprints(fingerprints);
    for (const [index, run] of runs.entries()) {
      const fingerprint = fingerprints[index]!;
      const copy = copies.get(fingerprint);
      const same = copy && run.tags.every((tag) => copy.tags.includes(tag)) && (run.note === null || copy.note !== null);
      if (same) verified++;
      else mismatches.push(fingerprint.slice(0, 12));
    }
    params.onProgress?.(Math.min(start + batchSize, ids.length), ids.length);
  }
  return { source: ids.length, added, present: ids.length - added, target: await params.to.count(), verified, mismatches };
}
