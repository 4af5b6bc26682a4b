/**
 * One regression tree, nodes in creation order (root = 0; children after their parent).
 * A split node sends a row left when `x <= threshold` (threshold = the upper bound of bin
 * `bin`), a missing value (NaN) to the side `missingLeft` says; a leaf holds `value`
 * (learning rate applied) for output `output`.
 */
export interface Tree {
  /** Margin (class) this tree adds to: 0 unless multi-class. */
  output: number;
  /** Feature index per node, -1 for a leaf. */
  feature: number[];
  bin: number[];
  threshold: number[];
  missingLeft: boolean[];
  left: number[];
  right: number[];
  /** Leaf value (0 for split nodes). */
  value: number[];
  /** Loss reduction of the split (0 for leaves). */
  gain: number[];
  /** Training rows of this tree that reached the node (the export puts each split's busier child on the fall-through side). */
  count: number[];
}

export function emptyTree(output: number): Tree {
  return { output, feature: [], bin: [], threshold: [], missingLeft: [], left: [], right: [], value: [], gain: [], count: [] };
}

/** Appends a leaf reached by `count` training rows; returns its node id. */
export function addLeaf(tree: Tree, value: number, count: number): number {
  tree.feature.push(-1);
  tree.bin.push(0);
  tree.threshold.push(0);
  tree.missingLeft.push(false);
  tree.left.push(-1);
  tree.right.push(-1);
  tree.value.push(value);
  tree.gain.push(0);
  tree.count.push(count);
  return tree.feature.length - 1;
}

/** Leaf reached by a row of raw float32 features (the trainer's own prediction, as onnxruntime walks it). */
export function leafOfRow(tree: Tree, features: Float32Array, offset: number): number {
  let node = 0;
  while (tree.feature[node]! >= 0) {
    const value = features[offset + tree.feature[node]!]!;
    const goLeft = Number.isNaN(value) ? tree.missingLeft[node]! : value <= tree.threshold[node]!;
    node = goLeft ? tree.left[node]! : tree.right[node]!;
  }
  return node;
}

/** Leaf reached by a row of binned features (same decisions as `leafOfRow` on the raw row). */
export function leafOfBinnedRow(tree: Tree, bins: Uint8Array, offset: number, missingBin: number): number {
  let node = 0;
  while (tree.feature[node]! >= 0) {
    const bin = bins[offset + tree.feature[node]!]!;
    const goLeft = bin === missingBin ? tree.missingLeft[node]! : bin <= tree.bin[node]!;
    node = goLeft ? tree.left[node]! : tree.right[node]!;
  }
  return node;
}
