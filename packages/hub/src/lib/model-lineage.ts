import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LINEAGE_FILE, type LineageRecord, lineageRecordSchema, parseConfig, parseOutputPath, StageIOError } from '@reproml/core';
import type { DatasetReference } from './model-version';

export interface StageLineage {
  record: LineageRecord;
  /** Workspace-relative output folder of the stage. */
  outDir: string;
}

export interface ModelLineage {
  model: StageLineage;
  metrics?: StageLineage;
  /** Every stage behind the model (and the metrics), upstream first, each once. */
  chain: StageLineage[];
  datasets: DatasetReference[];
}

export interface CollectModelLineageParams {
  workspaceRoot: string;
  /** Workspace-relative output folders. */
  modelOutDir: string;
  metricsOutDir?: string;
  stage?: string;
}

/** Reads the lineage records from the model (and metrics) stage back to the pulled data. */
export function collectModelLineage(params: CollectModelLineageParams): ModelLineage {
  const seen = new Map<string, StageLineage>();
  const chain: StageLineage[] = [];
  const visit = (outDir: string): StageLineage => {
    const known = seen.get(outDir);
    if (known) return known;
    const node: StageLineage = { record: readLineage(params.workspaceRoot, outDir, params.stage), outDir };
    seen.set(outDir, node);
    for (const input of node.record.inputs) {
      const upstream = parseOutputPath(input.path)?.outDir;
      if (upstream && upstream !== outDir) visit(upstream);
    }
    chain.push(node);
    return node;
  };
  const model = visit(params.modelOutDir);
  const metrics = params.metricsOutDir ? visit(params.metricsOutDir) : undefined;
  return { model, metrics, chain, datasets: datasetsOf(chain) };
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

/** A stage's output file, if its lineage record lists it. */
export function outputOf(stage: StageLineage, path: string): { path: string; sha256: string; size: number } | undefined {
  return stage.record.outputs.find((output) => output.path === path);
}
