import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LINEAGE_FILE, type LineageRecord, lineageRecordSchema, parseConfig, StageIOError } from '@reproml/core';
import { type LineageNode, type LineageWalk, walkLineage } from './bundle-artifacts';
import type { DatasetReference } from './model-version';

export type StageLineage = LineageNode<LineageRecord>;

export interface ModelLineage extends LineageWalk<LineageRecord> {
  datasets: DatasetReference[];
}

export interface CollectModelLineageParams {
  workspaceRoot: string;
  /** Workspace-relative output folders. */
  modelOutDir: string;
  metricsOutDir?: string;
  stage?: string;
}

/** Reads the lineage records from the model (and metrics) stage back to the pulled data, each validated. */
export function collectModelLineage(params: CollectModelLineageParams): ModelLineage {
  const walk = walkLineage(params.modelOutDir, params.metricsOutDir, (outDir) => readLineage(params.workspaceRoot, outDir, params.stage));
  return { ...walk, datasets: datasetsOf(walk.chain) };
}

function readLineage(workspaceRoot: string, outDir: string, stage?: string): LineageRecord {
  const file = `${outDir}/${LINEAGE_FILE}`;
  const absolute = join(workspaceRoot, file);
  if (!existsSync(absolute)) {
    throw new StageIOError(`${file} is missing: the push needs the lineage record of every stage behind the model`, {
      stage,
      file,
      hint: 'Run the upstream stages first (nx runs them when you run the push stage).',
    });
  }
  return parseConfig({ schema: lineageRecordSchema, value: JSON.parse(readFileSync(absolute, 'utf8')), file, stage });
}

interface PullSummaryFile {
  key: string;
  source: string;
  revision: string | null;
  sha256: string;
}

/** Dataset files of the pull stages in the chain, from their lineage summaries. */
function datasetsOf(chain: StageLineage[]): DatasetReference[] {
  const datasets: DatasetReference[] = [];
  for (const { record } of chain) {
    if (record.stage.kind !== 'pull') continue;
    const files = (record.summary as { files?: PullSummaryFile[] }).files ?? [];
    for (const file of files) {
      datasets.push({ key: file.key, source: file.source, revision: file.revision ?? null, sha256: file.sha256, stage: record.stage.name });
    }
  }
  return datasets;
}

export { outputOf } from './bundle-artifacts';
