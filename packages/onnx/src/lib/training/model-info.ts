import type { FeaturesManifest } from '../contracts/features-manifest';
import { classValues } from '../graph/class-label-graph';

/**
 * The fields every train family writes at the top of `model.json` (the neural families here,
 * gbdt in @reproml/gbdt): one definition, so the families cannot drift apart; the document as a
 * whole is the `modelInfoOutput` contract. `seed` is the stage context's seed, the one
 * lineage.json records (never re-defaulted from the config).
 */
export function modelInfoBase<Family extends string, Model>(params: { family: Family; model: Model; seed: number; manifest: FeaturesManifest }) {
  const { manifest } = params;
  return {
    schemaVersion: 1 as const,
    family: params.family,
    model: params.model,
    seed: params.seed,
    task: manifest.task,
    target: manifest.target,
    classes: manifest.classes ?? null,
    featureNames: manifest.featureNames,
    rawInputs: manifest.rawInputs,
  };
}

/** `model.json`'s description of model.onnx's outputs (every family's graph ends the same way). */
export function modelOutputs(manifest: Pick<FeaturesManifest, 'task' | 'classKind' | 'classes'>): Record<string, string> {
  if (manifest.task !== 'classification') return { label: "float [N] prediction, in the target's units" };
  const type = manifest.classKind === 'number' ? classValues(manifest.classes ?? [], 'number').type : 'string';
  return { label: `${type} [N] class (the data's value)`, class_id: 'int64 [N] class index', probabilities: 'float [N, C]' };
}
