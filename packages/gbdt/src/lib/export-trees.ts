import { attr, GraphBuilder, MODEL_OUTPUTS, type onnx, onnxDataType, type Task } from '@reproml/onnx';
import type { GbdtModel } from './gbdt-model';

/** Input of the serving graph: the preprocess stage's features [N, F] (float32, NaN = missing). */
export const FEATURES_INPUT_NAME = 'features';

/**
 * The serving graph of an ensemble: one ai.onnx.ml TreeEnsembleRegressor (opset 3) with
 * thresholds, leaf weights and base margins as double tensors (`*_as_tensor`), so
 * onnxruntime compares the float32 inputs against the exact thresholds and sums the leaves
 * in float64, as the trainer does; splits are BRANCH_LEQ (x <= threshold → true branch)
 * and `nodes_missing_value_tracks_true` carries each split's learned direction for NaN.
 * The margins then go through standard ops: Sigmoid (binary: probabilities [1 − p, p],
 * label = margin > 0), Softmax / ArgMax (multi-class), or a reshape (regression).
 * Outputs follow the model contract: `label`, and `probabilities` for classification.
 */
export function buildTreeEnsembleGraph(model: GbdtModel, task: Task): onnx.IGraphProto {
  const g = new GraphBuilder('model');
  g.input({ name: FEATURES_INPUT_NAME, type: 'float32', shape: ['N', model.featureCount] });
  // A double input selects onnxruntime's double-threshold kernel (float input reads the attributes as float).
  const input = g.op('Cast', [FEATURES_INPUT_NAME], { to: attr.int(onnxDataType('float64')) });
  const margins = g.mlOp('TreeEnsembleRegressor', [input], treeEnsembleAttributes(model), { type: 'float32', shape: ['N', model.outputs] });
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
  model.trees.forEach((tree, treeId) => {
    tree.feature.forEach((feature, node) => {
      const leaf = feature < 0;
      nodes.treeIds.push(treeId);
      nodes.nodeIds.push(node);
      nodes.featureIds.push(leaf ? 0 : feature);
      nodes.modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      nodes.values.push(leaf ? 0 : tree.threshold[node]!);
      nodes.trueIds.push(leaf ? 0 : tree.left[node]!);
      nodes.falseIds.push(leaf ? 0 : tree.right[node]!);
      nodes.missingTrue.push(!leaf && tree.missingLeft[node] ? 1 : 0);
      if (leaf) {
        targets.treeIds.push(treeId);
        targets.nodeIds.push(node);
        targets.ids.push(tree.output);
        targets.weights.push(tree.value[node]!);
      }
    });
  });
  const doubles = (values: readonly number[]) => attr.tensor({ type: 'float64', dims: [values.length], values: Float64Array.from(values) });
  return {
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
}
