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
  const best = newCandidate(node, rules);
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
        consider(best, feature, bin, false, lg, lh, lc);
        consider(best, feature, bin, true, lg + mg, lh + mh, lc + mc);
      } else {
        // No missing value here to learn from: send future ones to the heavier side.
        consider(best, feature, bin, lh >= node.h - lh, lg, lh, lc);
      }
    }
    // Every present value left, the missing ones right.
    if (mc > 0 && mc < node.count) {
      consider(best, feature, bins - 1, false, node.g - mg, node.h - mh, node.count - mc);
    }
  }
  if (best.feature < 0) return undefined;
  return {
    feature: best.feature,
    bin: best.bin,
    missingLeft: best.missingLeft,
    gain: best.gain,
    left: { g: best.lg, h: best.lh, count: best.lc },
    right: { g: node.g - best.lg, h: node.h - best.lh, count: node.count - best.lc },
  };
}

/** The search state of findBestSplit: the node, the rules and the best candidate so far (as numbers; an object only for the winner). */
interface Candidate {
  g: number;
  h: number;
  count: number;
  l2: number;
  minSamplesLeaf: number;
  minHessianLeaf: number;
  parentScore: number;
  gain: number;
  feature: number;
  bin: number;
  missingLeft: boolean;
  lg: number;
  lh: number;
  lc: number;
}

function newCandidate(node: NodeStats, rules: SplitRules): Candidate {
  return {
    g: node.g,
    h: node.h,
    count: node.count,
    l2: rules.l2,
    minSamplesLeaf: rules.minSamplesLeaf,
    minHessianLeaf: rules.minHessianLeaf,
    parentScore: leafScore(node.g, node.h, rules.l2),
    gain: Math.max(rules.minSplitGain, MIN_GAIN),
    feature: -1,
    bin: 0,
    missingLeft: false,
    lg: 0,
    lh: 0,
    lc: 0,
  };
}

/** Keeps the split (left sums lg, lh, lc) if it is allowed and gains more than the best so far (ties keep the earlier one). */
function consider(best: Candidate, feature: number, bin: number, missingLeft: boolean, lg: number, lh: number, lc: number): void {
  const rh = best.h - lh;
  const rc = best.count - lc;
  if (lc < best.minSamplesLeaf || rc < best.minSamplesLeaf || lh < best.minHessianLeaf || rh < best.minHessianLeaf) return;
  const rg = best.g - lg;
  const l2 = best.l2;
  const gain = 0.5 * ((lg * lg) / (lh + l2) + (rg * rg) / (rh + l2) - best.parentScore);
  if (gain > best.gain) {
    best.gain = gain;
    best.feature = feature;
    best.bin = bin;
    best.missingLeft = missingLeft;
    best.lg = lg;
    best.lh = lh;
    best.lc = lc;
  }
}
