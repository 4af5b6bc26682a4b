import { findBestSplit, leafValue, type NodeStats, type Split, type SplitRules } from './find-split';
import { allocateHistogram, buildHistogram, type Histogram, subtractHistogram } from './histogram';
import type { PackedBins } from './packed-bins';
import { addLeaf, emptyTree, type Tree } from './tree';

/** The binned training data a tree is grown on. */
export interface BinnedData {
  /** Row-major bin index per [row, feature], rows padded to whole words (histograms read a row's features together). */
  bins: PackedBins;
  /** The same bins feature-major, [feature, row] (a partition reads one feature of many rows). */
  columns: Uint8Array;
  rows: number;
  featureCount: number;
  /** Histogram cells per feature: maxBins + 1 (the missing bin is `missingBin`). */
  stride: number;
  missingBin: number;
  /** Non-missing bins per feature. */
  binCounts: Int32Array;
  /** Upper bound of every bin per feature (the exported thresholds). */
  uppers: Float64Array[];
}

export interface GrowthRules extends SplitRules {
  maxDepth: number;
  /** Infinity for no limit. */
  maxLeaves: number;
  learningRate: number;
}

export interface GrowTreeParams {
  data: BinnedData;
  output: number;
  grad: Float64Array;
  hess: Float64Array;
  /** Every hessian is 1 (see BuildHistogramParams.unitHessian). */
  unitHessian?: boolean;
  /** Rows of this tree (ascending); reordered in place into leaf ranges. */
  rowIndex: Uint32Array;
  /** Same length as rowIndex: partition scratch space. */
  scratch: Uint32Array;
  /** Features the tree may split on (ascending), or undefined for all. */
  features: Int32Array | undefined;
  rules: GrowthRules;
  pool: HistogramPool;
}

/** A leaf's rows: rowIndex[start..end). */
export interface LeafRange {
  node: number;
  start: number;
  end: number;
}

export interface GrownTree {
  tree: Tree;
  leaves: LeafRange[];
}

interface OpenNode {
  node: number;
  start: number;
  end: number;
  depth: number;
  stats: NodeStats;
  histogram?: Histogram;
  split?: Split;
}

/** Reuses histogram buffers across nodes and trees (one allocation per live node at most). */
export class HistogramPool {
  private readonly free: Histogram[] = [];

  constructor(
    private readonly featureCount: number,
    private readonly stride: number,
  ) {}

  take(): Histogram {
    return this.free.pop() ?? allocateHistogram(this.featureCount, this.stride);
  }

  give(histogram: Histogram | undefined): void {
    if (histogram) this.free.push(histogram);
  }
}

/**
 * Grows one tree best-gain first (leaf-wise) up to maxDepth and maxLeaves: without a leaf
 * limit this is the same tree as level-wise growth. Each split builds the histogram of the
 * smaller child and takes the larger one's as parent − smaller. Leaf values are
 * learningRate · −G/(H+λ).
 */
export function growTree(params: GrowTreeParams): GrownTree {
  const { data, grad, hess, rowIndex, rules, pool } = params;
  const tree = emptyTree(params.output);
  const root: OpenNode = { node: addLeaf(tree, 0, rowIndex.length), start: 0, end: rowIndex.length, depth: 0, stats: sumStats(rowIndex, grad, hess) };
  const done: OpenNode[] = [];
  const candidates: OpenNode[] = [];
  let leafCount = 1;
  const goesLeft = new Uint8Array(256);
  const splittable = (open: OpenNode) =>
    open.depth < rules.maxDepth && leafCount < rules.maxLeaves && open.stats.count >= 2 * rules.minSamplesLeaf && open.stats.h >= 2 * rules.minHessianLeaf;
  const build = (open: OpenNode) => {
    open.histogram = pool.take();
    buildHistogram({
      histogram: open.histogram,
      bins: data.bins,
      featureCount: data.featureCount,
      stride: data.stride,
      features: params.features,
      rowIndex,
      start: open.start,
      end: open.end,
      grad,
      hess,
      unitHessian: params.unitHessian,
    });
  };
  const settle = (open: OpenNode, canSplit: boolean) => {
    open.split =
      canSplit && open.histogram
        ? findBestSplit({
            histogram: open.histogram,
            node: open.stats,
            features: params.features,
            binCounts: data.binCounts,
            stride: data.stride,
            missingBin: data.missingBin,
            rules,
          })
        : undefined;
    if (open.split) {
      candidates.push(open);
    } else {
      pool.give(open.histogram);
      open.histogram = undefined;
      done.push(open);
    }
  };

  if (splittable(root)) build(root);
  settle(root, splittable(root));
  while (candidates.length > 0 && leafCount < rules.maxLeaves) {
    let pick = 0;
    for (let i = 1; i < candidates.length; i++) if (candidates[i]!.split!.gain > candidates[pick]!.split!.gain) pick = i;
    const parent = candidates.splice(pick, 1)[0]!;
    const split = parent.split!;
    const middle = partition(params, parent, split, goesLeft);
    const left: OpenNode = { node: addLeaf(tree, 0, middle - parent.start), start: parent.start, end: middle, depth: parent.depth + 1, stats: split.left };
    const right: OpenNode = { node: addLeaf(tree, 0, parent.end - middle), start: middle, end: parent.end, depth: parent.depth + 1, stats: split.right };
    tree.feature[parent.node] = split.feature;
    tree.bin[parent.node] = split.bin;
    tree.threshold[parent.node] = data.uppers[split.feature]![split.bin]!;
    tree.missingLeft[parent.node] = split.missingLeft;
    tree.gain[parent.node] = split.gain;
    tree.left[parent.node] = left.node;
    tree.right[parent.node] = right.node;
    leafCount++;
    const canSplitLeft = splittable(left);
    const canSplitRight = splittable(right);
    if (canSplitLeft || canSplitRight) {
      const [small, large] = left.end - left.start <= right.end - right.start ? [left, right] : [right, left];
      build(small);
      subtractHistogram(parent.histogram!, small.histogram!);
      large.histogram = parent.histogram;
    } else {
      pool.give(parent.histogram);
    }
    parent.histogram = undefined;
    settle(left, canSplitLeft);
    settle(right, canSplitRight);
  }
  for (const open of candidates) {
    pool.give(open.histogram);
    done.push(open);
  }
  for (const open of done) tree.value[open.node] = rules.learningRate * leafValue(open.stats.g, open.stats.h, rules.l2);
  done.sort((a, b) => a.node - b.node);
  return { tree, leaves: done.map(({ node, start, end }) => ({ node, start, end })) };
}

function sumStats(rowIndex: Uint32Array, grad: Float64Array, hess: Float64Array): NodeStats {
  let g = 0;
  let h = 0;
  for (let k = 0; k < rowIndex.length; k++) {
    const row = rowIndex[k]!;
    g += grad[row]!;
    h += hess[row]!;
  }
  return { g, h, count: rowIndex.length };
}

/** Stable in-place partition of the parent's rows: left rows first. Returns where the right rows start. */
function partition(params: GrowTreeParams, parent: OpenNode, split: Split, goesLeft: Uint8Array): number {
  const { data, rowIndex, scratch } = params;
  const column = data.columns.subarray(split.feature * data.rows, (split.feature + 1) * data.rows);
  // Per-bin direction (the missing bin included), so the loop has no data-dependent branch.
  for (let bin = 0; bin < goesLeft.length; bin++) goesLeft[bin] = bin === data.missingBin ? (split.missingLeft ? 1 : 0) : bin <= split.bin ? 1 : 0;
  let left = parent.start;
  let right = 0;
  for (let k = parent.start; k < parent.end; k++) {
    const row = rowIndex[k]!;
    const isLeft = goesLeft[column[row]!]!;
    rowIndex[left] = row;
    scratch[right] = row;
    left += isLeft;
    right += 1 - isLeft;
  }
  rowIndex.set(scratch.subarray(0, right), left);
  return left;
}
