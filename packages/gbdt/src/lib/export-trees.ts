import { attr, GraphBuilder, MODEL_OUTPUTS, type onnx, onnxDataType, type Task } from '@reproml/onnx';
import type { GbdtModel } from './gbdt-model';
import type { Tree } from './tree';

/** Input of the serving graph: the preprocess stage's features [N, F] (float32, NaN = missing). */
export const FEATURES_INPUT_NAME = 'features';

/**
 * The serving graph of an ensemble: one ai.onnx.ml TreeEnsembleRegressor (opset 3) with
 * thresholds, leaf weights and base margins as double tensors (`*_as_tensor`), so
 * onnxruntime compares the float32 inputs against the exact thresholds and sums the leaves
 * in float64, as the trainer does; every split is BRANCH_LEQ (one mode: onnxruntime's
 * fast path) and `nodes_missing_value_tracks_true` carries each split's learned direction
 * for NaN. onnxruntime walks a tree with a data-dependent jump per split and lays each
 * split's false branch right after it, so the child more training rows took goes on the
 * false branch (see `splitLayout`): where that is the left child, the split reads a negated
 * copy of its feature appended to the input (−x ≤ nextDown(−t) ⇔ x > t, exact for float32
 * x). bench/gbdt/README.md has the measurements.
 * The margins then go through standard ops: Sigmoid (binary: probabilities [1 − p, p],
 * label = margin > 0), Softmax / ArgMax (multi-class), or a reshape (regression).
 * Outputs follow the model contract: `label`, and `probabilities` for classification.
 */
export function buildTreeEnsembleGraph(model: GbdtModel, task: Task): onnx.IGraphProto {
  const g = new GraphBuilder('model');
  g.input({ name: FEATURES_INPUT_NAME, type: 'float32', shape: ['N', model.featureCount] });
  // A double input selects onnxruntime's double-threshold kernel (float input reads the attributes as float).
  const values = g.op('Cast', [FEATURES_INPUT_NAME], { to: attr.int(onnxDataType('float64')) });
  const { attributes, readsNegated } = treeEnsembleAttributes(model);
  const input = readsNegated ? g.op('Concat', [values, g.op('Neg', [values])], { axis: attr.int(1) }) : values;
  const margins = g.mlOp('TreeEnsembleRegressor', [input], attributes, { type: 'float32', shape: ['N', model.outputs] });
  if (task === 'regression') {
    g.opTo(MODEL_OUTPUTS.label, 'Reshape', [margins, g.int64s([-1], 'flat')]);
    g.output({ name: MODEL_OUTPUTS.label, type: 'float32', shape: ['N'] });
    return g.build();
  }
  if (model.objective === 'binary-logloss') {
    const positive = g.op('Sigmoid', [margins]);
    const negative = g.op('Sub', [g.scalar('float32', 1, 'one'), positive]);
    g.opTo(MODEL_OUTPUTS.probabilities, 'Concat', [negative, positive], { axis: attr.int(1) });
    const isPositive = g.op('Cast', [g.op('Greater', [margins, g.scalar('float32', 0, 'zero')])], { to: attr.int(onnxDataType('int64')) });
    g.opTo(MODEL_OUTPUTS.label, 'Reshape', [isPositive, g.int64s([-1], 'flat')]);
    g.output({ name: MODEL_OUTPUTS.label, type: 'int64', shape: ['N'] });
    g.output({ name: MODEL_OUTPUTS.probabilities, type: 'float32', shape: ['N', 2] });
    return g.build();
  }
  g.opTo(MODEL_OUTPUTS.probabilities, 'Softmax', [margins], { axis: attr.int(1) });
  g.opTo(MODEL_OUTPUTS.label, 'ArgMax', [margins], { axis: attr.int(1), keepdims: attr.int(0) });
  g.output({ name: MODEL_OUTPUTS.label, type: 'int64', shape: ['N'] });
  g.output({ name: MODEL_OUTPUTS.probabilities, type: 'float32', shape: ['N', model.outputs] });
  return g.build();
}

/** How one split is exported: which input column, threshold and child each branch of `x ≤ threshold` takes. */
export interface SplitLayout {
  column: number;
  threshold: number;
  trueChild: number;
  falseChild: number;
  /** NaN takes the true branch. */
  missingTrue: boolean;
}

/**
 * A split as trained is `x ≤ t` → left. When its left child took more training rows (and t
 * is finite), it is exported the other way round: column `feature + featureCount` (−x),
 * threshold nextDown(−t), true → right, false → left; NaN still goes where it learned to.
 */
export function splitLayout(tree: Tree, node: number, featureCount: number): SplitLayout {
  const feature = tree.feature[node]!;
  const threshold = tree.threshold[node]!;
  const left = tree.left[node]!;
  const right = tree.right[node]!;
  const missingLeft = tree.missingLeft[node]!;
  if (tree.count[left]! <= tree.count[right]! || !Number.isFinite(threshold)) {
    return { column: feature, threshold, trueChild: left, falseChild: right, missingTrue: missingLeft };
  }
  return { column: feature + featureCount, threshold: nextFloat32Below(-threshold), trueChild: right, falseChild: left, missingTrue: !missingLeft };
}

const float32 = new Float32Array(1);
const float32Bits = new Int32Array(float32.buffer);

/** The largest float32 below a float32 value v: for float32 x, x < v ⇔ x ≤ nextFloat32Below(v). */
function nextFloat32Below(value: number): number {
  if (value === 0) return -(2 ** -149);
  float32[0] = value;
  float32Bits[0]! += value > 0 ? -1 : 1;
  return float32[0]!;
}

/** The node and leaf tuples of TreeEnsembleRegressor, tree by tree, node ids from 0 in each tree. */
function treeEnsembleAttributes(model: GbdtModel) {
  const nodes = {
    treeIds: [] as number[],
    nodeIds: [] as number[],
    featureIds: [] as number[],
    modes: [] as string[],
    values: [] as number[],
    trueIds: [] as number[],
    falseIds: [] as number[],
    missingTrue: [] as number[],
  };
  const targets = { treeIds: [] as number[], nodeIds: [] as number[], ids: [] as number[], weights: [] as number[] };
  let readsNegated = false;
  model.trees.forEach((tree, treeId) => {
    tree.feature.forEach((feature, node) => {
      nodes.treeIds.push(treeId);
      nodes.nodeIds.push(node);
      if (feature < 0) {
        nodes.featureIds.push(0);
        nodes.modes.push('LEAF');
        nodes.values.push(0);
        nodes.trueIds.push(0);
        nodes.falseIds.push(0);
        nodes.missingTrue.push(0);
        targets.treeIds.push(treeId);
        targets.nodeIds.push(node);
        targets.ids.push(tree.output);
        targets.weights.push(tree.value[node]!);
        return;
      }
      const split = splitLayout(tree, node, model.featureCount);
      readsNegated ||= split.column >= model.featureCount;
      nodes.featureIds.push(split.column);
      nodes.modes.push('BRANCH_LEQ');
      nodes.values.push(split.threshold);
      nodes.trueIds.push(split.trueChild);
      nodes.falseIds.push(split.falseChild);
      nodes.missingTrue.push(split.missingTrue ? 1 : 0);
    });
  });
  const doubles = (values: readonly number[]) => attr.tensor({ type: 'float64', dims: [values.length], values: Float64Array.from(values) });
  const attributes = {
    n_targets: attr.int(model.outputs),
    aggregate_function: 'SUM',
    post_transform: 'NONE',
    base_values_as_tensor: doubles(model.baseMargins),
    nodes_treeids: attr.ints(nodes.treeIds),
    nodes_nodeids: attr.ints(nodes.nodeIds),
    nodes_featureids: attr.ints(nodes.featureIds),
    nodes_modes: nodes.modes,
    nodes_values_as_tensor: doubles(nodes.values),
    nodes_truenodeids: attr.ints(nodes.trueIds),
    nodes_falsenodeids: attr.ints(nodes.falseIds),
    nodes_missing_value_tracks_true: attr.ints(nodes.missingTrue),
    target_treeids: attr.ints(targets.treeIds),
    target_nodeids: attr.ints(targets.nodeIds),
    target_ids: attr.ints(targets.ids),
    target_weights_as_tensor: doubles(targets.weights),
  };
  return { attributes, readsNegated };
}
