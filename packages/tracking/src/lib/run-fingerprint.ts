import { createHash } from 'node:crypto';
import type { RunRecord } from './run-record';

/**
 * A run's identity in every store: sha256 over the canonical JSON (keys sorted, no spaces) of
 * everything recorded, except the annotations added later (note, tags) and the id a store
 * gave it. Stores keep it unique, so a run recorded twice or copied twice is stored once, and
 * a copy is verified by recomputing it from what the target store returns.
 */
export function runFingerprint(run: Omit<RunRecord, 'tags'> & { tags?: unknown; id?: unknown; note?: unknown }): string {
  const { tags: _tags, id: _id, note: _note, ...recorded } = run;
  return createHash('sha256').update(canonicalJson(recorded)).digest('hex');
}

/** JSON with every object's keys sorted (undefined members left out, as JSON.stringify does). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) sorted[key] = sortKeys(item);
  }
  return sorted;
}
