import { createHash } from 'node:crypto';
import { stableStringify } from '@reproml/core';
import type { RunRecord } from './run-record';

/**
 * A run's identity in every store: sha256 over everything recorded (sorted keys), except the
 * annotations added later (note, tags) and the id a store gave it. Stores keep it unique, so
 * a run recorded twice or copied twice is stored once, and a copy is verified by recomputing
 * it from what the target store returns.
 */
export function runFingerprint(run: Omit<RunRecord, 'tags'> & { tags?: unknown; id?: unknown; note?: unknown }): string {
  const { tags: _tags, id: _id, note: _note, ...recorded } = run;
  return createHash('sha256').update(stableStringify(recorded)).digest('hex');
}
