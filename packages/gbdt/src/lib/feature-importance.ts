import type { Tree } from './tree';

/** How much a feature was used: total loss reduction (gain) of its splits and their number. */
export interface FeatureImportance {
  feature: string;
  gain: number;
  splits: number;
}

/** Importance of every feature (in feature order) over the given trees. */
export function featureImportance(trees: readonly Tree[], featureNames: readonly string[]): FeatureImportance[] {
  const gain = new Float64Array(featureNames.length);
  const splits = new Float64Array(featureNames.length);
  for (const tree of trees) {
    tree.feature.forEach((feature, node) => {
      if (feature < 0) return;
      gain[feature]! += tree.gain[node]!;
      splits[feature]! += 1;
    });
  }
  return featureNames.map((feature, index) => ({ feature, gain: gain[index]!, splits: splits[index]! }));
}
