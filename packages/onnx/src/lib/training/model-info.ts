import type { FeaturesManifest } from '../contracts/features-manifest';

/**
 * The fields every train family writes at the top of `model.json` (the neural families here,
 * gbdt in @reproml/gbdt): one definition, so the families cannot drift apart. `seed` is the
 * stage context's seed, the one lineage.json records (never re-defaulted from the config).
 */
export function modelInfoBase(params: { family: string; model: unknown; seed: number; manifest: FeaturesManifest }) {
  const { manifest } = params;
  return {
    schemaVersion: 1,
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
