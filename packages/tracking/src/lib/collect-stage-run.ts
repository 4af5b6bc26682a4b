import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { GitState, LineageRecord } from '@reproml/core';
// Light (no zod): the plugin collects cache restores with this in Nx's process (see run-journal.ts).
import { LINEAGE_FILE, readGitState, SWEEP_RESULT_FILE, stageOutputDir } from '@reproml/core/layout';
import { datasetRevisions } from './dataset-revisions';
import type { RunRecord } from './run-record';

/** Small JSON artifacts kept with each run, so the report can plot runs whose `out/` is long gone. */
export const RUN_DOCUMENTS = [
  'metrics.json',
  'training-curve.json',
  'curves.json',
  'profile.json',
  'validation.json',
  'model.json',
  'drift.json',
  SWEEP_RESULT_FILE,
] as const;
const MAX_DOCUMENT_BYTES = 1024 * 1024;

export interface CollectStageRunParams {
  workspaceRoot: string;
  pipeline: string;
  /** Stage folder name. */
  stage: string;
  /** Workspace-relative output folder when it is not the stage's `out/` (a sweep point's). */
  outDir?: string;
  project: string;
  kind: string;
  /** Workspace-relative stage file (its config is the run's params when there is no lineage record). */
  stageFile: string;
  origin: RunRecord['origin'];
  cacheSource?: string | null;
  taskHash?: string | null;
  startedAt: string;
  durationMs: number;
  status: RunRecord['status'];
  error?: string | null;
  git?: GitState;
  host?: string;
  /** Extra tags (REPROML_RUN_TAGS adds its comma-separated list too). */
  tags?: readonly string[];
}

/**
 * Reads what a run produced from the stage's `out/` (its lineage record and small JSON
 * artifacts) into a run record. A failed run keeps only its config: `out/` still holds
 * the previous successful outputs, which are not this run's.
 */
export function collectStageRun(params: CollectStageRunParams): RunRecord {
  const outDir = join(params.workspaceRoot, params.outDir ?? stageOutputDir(params.pipeline, params.stage));
  const succeeded = params.status === 'succeeded';
  const lineage = succeeded ? (readJsonFile(join(outDir, LINEAGE_FILE)) as LineageRecord | undefined) : undefined;
  const documents: Record<string, unknown> = {};
  if (succeeded) {
    for (const name of RUN_DOCUMENTS) {
      const path = join(outDir, name);
      if (existsSync(path) && statSync(path).size <= MAX_DOCUMENT_BYTES) {
        const content = readJsonFile(path);
        if (content !== undefined) documents[name] = content;
      }
    }
  }
  const params_ = lineage?.config ?? stageFileConfig(join(params.workspaceRoot, params.stageFile));
  const git = params.git ?? readGitState(params.workspaceRoot);
  return {
    pipeline: params.pipeline,
    stage: params.stage,
    project: params.project,
    kind: params.kind,
    origin: params.origin,
    cacheSource: params.cacheSource ?? null,
    taskHash: params.taskHash ?? null,
    gitCommit: git?.commit ?? null,
    gitDirty: git?.dirty ?? null,
    params: params_,
    metrics: { ...finiteNumbers(lineage?.summary), ...finiteNumbers(documents['metrics.json'], ['schemaVersion']) },
    artifacts: lineage?.outputs ?? [],
    datasets: datasetRevisions({ workspaceRoot: params.workspaceRoot, pipeline: params.pipeline, stage: params.stage }),
    seed: lineage?.seed ?? (typeof params_.seed === 'number' ? params_.seed : null),
    startedAt: params.startedAt,
    durationMs: Math.max(0, params.durationMs),
    host: params.host ?? hostname(),
    status: params.status,
    error: params.error ?? null,
    tags: [...new Set([...(params.tags ?? []), ...envTags()])].sort(),
    documents,
  };
}

/** REPROML_RUN_TAGS=baseline,lr-sweep tags every run recorded while it is set. */
function envTags(): string[] {
  return (process.env.REPROML_RUN_TAGS ?? '')
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
}

function readJsonFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function stageFileConfig(path: string): Record<string, unknown> {
  const value = readJsonFile(path);
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  const { $schema: _editorOnly, ...config } = value as Record<string, unknown>;
  return config;
}

function finiteNumbers(value: unknown, skip: readonly string[] = []): Record<string, number> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).filter(
      (entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]) && !skip.includes(entry[0]),
    ),
  );
}
