import { artifactSchema } from '@reproml/core';
import { z } from 'zod';

/** One dataset file a run depends on (directly for a pull stage, through its upstream stages otherwise). */
export const datasetRevisionSchema = z.object({
  /** The pull stage that pins it, `<pipeline>-<stage>`. */
  stage: z.string(),
  key: z.string(),
  source: z.string(),
  /** Hub commit sha; null for local files and URLs (pinned by sha256 only). */
  revision: z.string().nullable(),
  sha256: z.string(),
});
export type DatasetRevision = z.infer<typeof datasetRevisionSchema>;

/**
 * What the run store keeps of one stage execution or one cache restore. `origin` tells them
 * apart: a restore's metrics and artifacts are the cached ones Nx put back in `out/`.
 */
export const runRecordSchema = z.object({
  pipeline: z.string().min(1),
  /** Stage folder name (`train`); the Nx project is `<pipeline>-<stage>`. */
  stage: z.string().min(1),
  project: z.string().min(1),
  kind: z.string().min(1),
  origin: z.enum(['executed', 'cache']),
  /** Nx's cache source for a restore (`local-cache`, `local-cache-kept-existing`, `remote-cache`). */
  cacheSource: z.string().nullable(),
  /** The Nx task hash: runs with the same hash have the same inputs. */
  taskHash: z.string().nullable(),
  gitCommit: z.string().nullable(),
  gitDirty: z.boolean().nullable(),
  /** The stage config as validated (the stage file minus `$schema`). */
  params: z.record(z.string(), z.unknown()),
  /** Finite numbers only: metrics.json's top-level numbers, else the lineage summary's. */
  metrics: z.record(z.string(), z.number()),
  artifacts: z.array(artifactSchema),
  datasets: z.array(datasetRevisionSchema),
  seed: z.number().int().nullable(),
  startedAt: z.string(),
  durationMs: z.number().nonnegative(),
  host: z.string(),
  status: z.enum(['succeeded', 'failed']),
  error: z.string().nullable(),
  tags: z.array(z.string()),
  /** Small JSON artifacts kept with the run for the report (metrics.json, training-curve.json, …). */
  documents: z.record(z.string(), z.unknown()),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

/** A recorded run as read back: its id, the note added later, and everything recorded. */
export type StoredRun = RunRecord & { id: number; note: string | null };

/** The columns `runs list` shows; documents and artifacts stay in the store until asked for. */
export type RunSummary = Omit<StoredRun, 'documents' | 'artifacts' | 'datasets'>;
