import { createHash } from 'node:crypto';
import { parseOutputPath } from '@reproml/core/layout';

// Light on purpose (node:crypto and the core layout only): the push reads lineage records
// through zod (model-lineage.ts), the published-state probe Nx runs on every hash of a push
// stage reads them as plain JSON; both walk the chain and choose the bundle's artifacts here.

/** What the walk and the artifact choice need of a lineage record. */
export interface LineageRecordShape {
  inputs: readonly { path: string }[];
  outputs: readonly { path: string; sha256: string; size: number }[];
}

export interface LineageNode<R extends LineageRecordShape = LineageRecordShape> {
  record: R;
  /** Workspace-relative output folder of the stage. */
  outDir: string;
}

export interface LineageWalk<R extends LineageRecordShape = LineageRecordShape> {
  model: LineageNode<R>;
  metrics?: LineageNode<R>;
  /** Every stage behind the model (and the metrics), upstream first, each once. */
  chain: LineageNode<R>[];
}

/** The records from the model (and metrics) stage back to the pulled data, following each record's inputs. */
export function walkLineage<R extends LineageRecordShape>(modelOutDir: string, metricsOutDir: string | undefined, read: (outDir: string) => R): LineageWalk<R> {
  const seen = new Map<string, LineageNode<R>>();
  const chain: LineageNode<R>[] = [];
  const visit = (outDir: string): LineageNode<R> => {
    const known = seen.get(outDir);
    if (known) return known;
    const node: LineageNode<R> = { record: read(outDir), outDir };
    seen.set(outDir, node);
    for (const input of node.record.inputs) {
      const upstream = parseOutputPath(input.path)?.outDir;
      if (upstream && upstream !== outDir) visit(upstream);
    }
    chain.push(node);
    return node;
  };
  const model = visit(modelOutDir);
  const metrics = metricsOutDir ? visit(metricsOutDir) : undefined;
  return { model, metrics, chain };
}

/** A stage's output file, if its lineage record lists it. */
export function outputOf(stage: LineageNode, path: string): { path: string; sha256: string; size: number } | undefined {
  return stage.record.outputs.find((output) => output.path === path);
}

/** File names of the documents the bundle carries besides the model file (from the contracts that define them). */
export interface BundleDocumentNames {
  modelInfo: string;
  metrics: string;
  transform: string;
}

/** One artifact of the bundle: which stage's output, which file, whether the push fails without it. */
export interface BundleArtifact<R extends LineageRecordShape> {
  node: LineageNode<R>;
  name: string;
  required: boolean;
}

/**
 * The files that define a pushed version: the model file and model.json of the model stage,
 * metrics.json of the metrics stage, transform.json of the nearest stage that wrote one.
 */
export function bundleArtifacts<R extends LineageRecordShape>(lineage: LineageWalk<R>, modelFile: string, names: BundleDocumentNames): BundleArtifact<R>[] {
  const artifacts: BundleArtifact<R>[] = [
    { node: lineage.model, name: modelFile, required: true },
    { node: lineage.model, name: names.modelInfo, required: false },
  ];
  if (lineage.metrics) artifacts.push({ node: lineage.metrics, name: names.metrics, required: false });
  const preprocess = [...lineage.chain].reverse().find((node) => outputOf(node, names.transform));
  if (preprocess) artifacts.push({ node: preprocess, name: names.transform, required: false });
  return artifacts;
}

/** A version's identity: sha256 over the sorted `path\0sha256\n` lines of its artifact files. */
export function fingerprintOf(files: readonly { path: string; sha256: string }[]): string {
  const lines = [...files]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((file) => `${file.path}\0${file.sha256}\n`)
    .join('');
  return createHash('sha256').update(lines).digest('hex');
}
