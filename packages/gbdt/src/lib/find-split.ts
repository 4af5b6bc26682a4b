import type { Histogram } from './histogram';

/** Gradient statistics of a set of rows. */
export interface NodeStats {
  g: number;
  h: number;
  count: number;
}

export interface SplitRules {
  l2: number;
  minSamplesLeaf: number;
  minHessianLeaf: number;
  minSplitGain: number;
}

export interface Split {
  feature: number;
  /** Rows with bin <= bin go left. */
  bin: number;
  missingLeft: boolean;
  gain: number;
  left: NodeStats;
  right: NodeStats;
}

/** A split must reduce the loss by more than this (XGBoost's kRtEps), so rounding noise never splits. */
export const MIN_GAIN = 1e-6;

/** Score of a leaf with these sums: G² / (H + λ); the loss at the optimal leaf value is −score / 2. */
export function leafScore(g: number, h: number, l2: number): number {
  return (g * g) / (h + l2);
}

/** Optimal leaf value before shrinkage: −G / (H + λ) (+0, never −0, when G = 0). */
export function leafValue(g: number, h: number, l2: number): number {
  return -g / (h + l2) + 0;
}

export interface FindSplitParams {
  histogram: Histogram;
  node: NodeStats;
  /** Features to consider, or undefined for all. */
  features: Int32Array | undefined;
  /** Non-missing bins per feature. */
  binCounts: Int32Array;
  stride: number;
  missingBin: number;
  rules: SplitRules;
}

/**
 * The best split of a node over its histogram: every feature of the sample, every bin
 * boundary, missing values tried on both sides (when the node has any; otherwise they go
 * to the side with the larger hessian). Gain = ½·(G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)).
 * Ties keep the first candidate in (feature, bin, missing right before left) order.
 */
export function findBestSplit(params: FindSplitParams): Split | undefined {
  const { histogram, node, features, binCounts, stride, missingBin, rules } = params;
  const { l2, minSamplesLeaf, minHessianLeaf } = rules;
  const parentScore = leafScore(node.g, node.h, l2);
  let bestGain = Math.max(rules.minSplitGain, MIN_GAIN);
  // The best candidate so far, as numbers (an object only for the winner).
  let bestFeature = -1;
  let bestBin = 0;
  let bestMissingLeft = false;
  let bestLg = 0;
  let bestLh = 0;
  let bestLc = 0;
  const consider = (feature: number, bin: number, missingLeft: boolean, lg: number, lh: number, lc: number) => {
    const rh = node.h - lh;
    const rc = node.count - lc;
    if (lc < minSamplesLeaf || rc < minSamplesLeaf || lh < minHessianLeaf || rh < minHessianLeaf) return;
    const rg = node.g - lg;
    const gain = 0.5 * ((lg * lg) / (lh + l2) + (rg * rg) / (rh + l2) - parentScore);
    if (gain > bestGain) {
      bestGain = gain;
      bestFeature = feature;
      bestBin = bin;
      bestMissingLeft = missingLeft;
      bestLg = lg;
      bestLh = lh;
      bestLc = lc;
    }
  };
  const used = features ? features.length : binCounts.length;
  for (let j = 0; j < used; j++) {
    const feature = features ? features[j]! : j;
    const base = feature * stride;
    const missing = (base + missingBin) * 3;
    const mg = histogram[missing]!;
    const mh = histogram[missing + 1]!;
    const mc = histogram[missing + 2]!;
    const bins = binCounts[feature]!;
    let lg = 0;
    let lh = 0;
    let lc = 0;
    for (let bin = 0; bin < bins - 1; bin++) {
      const lane = (base + bin) * 3;
      const c = histogram[lane + 2]!;
      // An empty bin gives the same partition as the bin before it.
      if (c === 0) continue;
      lg += histogram[lane]!;
      lh += histogram[lane + 1]!;
      lc += c;
      if (lc === node.count - mc) break;
      if (mc > 0) {
        consider(feature, bin, false, lg, lh, lc);
        consider(feature, bin, true, lg + mg, lh + mh, lc + mc);
      } else {
        // No missing value here to learn from: send future ones to the heavier side.
        consider(feature, bin, lh >= node.h - lh, lg, lh, lc);
      }
    }
    // Every present value left, the missing ones right.
    if (mc > 0 && mc < node.count) {
      consider(feature, bins - 1, false, node.g - mg, node.h - mh, node.count - mc);
    }
  }
  if (bestFeature < 0) return undefined;
  return {
    feature: bestFeature,
    bin: bestBin,
    missingLeft: bestMissingLeft,
    gain: bestGain,
    left: { g: bestLg, h: bestLh, count: bestLc },
    right: { g: node.g - bestLg, h: node.h - bestLh, count: node.count - bestLc },
  };
}
