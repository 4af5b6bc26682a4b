import type { ObjectiveName } from './objectives';
import { sigmoid, softmaxRow } from './objectives';
import { leafOfRow, type Tree } from './tree';

/** A trained ensemble: margin_k(x) = Σ over the trees of output k of their leaf value, + baseMargins[k]. */
export interface GbdtModel {
  objective: ObjectiveName;
  /** Margins per row: 1 (binary, regression) or the class count. */
  outputs: number;
  baseMargins: number[];
  /** Round-major: round r's tree for output k is trees[r · outputs + k]. */
  trees: Tree[];
  featureCount: number;
}

/**
 * The trainer's own prediction from raw float32 features (NaN = missing): margins summed
 * in tree order from 0, the base margin added last, in float64 — what onnxruntime's
 * TreeEnsembleRegressor does with double thresholds and weights.
 */
export function predictMargins(model: GbdtModel, features: Float32Array, rows: number): Float64Array {
  const { outputs, featureCount } = model;
  const margins = new Float64Array(rows * outputs);
  for (const tree of model.trees) {
    for (let row = 0; row < rows; row++) margins[row * outputs + tree.output]! += tree.value[leafOfRow(tree, features, row * featureCount)]!;
  }
  for (let row = 0; row < rows; row++) for (let k = 0; k < outputs; k++) margins[row * outputs + k]! += model.baseMargins[k]!;
  return margins;
}

/** Class probabilities [rows × classes] from margins: sigmoid (binary: [1 − p, p]) or softmax. */
export function marginsToProbabilities(model: GbdtModel, margins: Float64Array, rows: number): Float64Array {
  if (model.objective === 'binary-logloss') {
    const out = new Float64Array(rows * 2);
    for (let row = 0; row < rows; row++) {
      const p = sigmoid(margins[row]!);
      out[2 * row] = 1 - p;
      out[2 * row + 1] = p;
    }
    return out;
  }
  const width = model.outputs;
  const out = new Float64Array(rows * width);
  const scratch = new Float64Array(width);
  for (let row = 0; row < rows; row++) {
    softmaxRow(margins, row * width, width, scratch);
    out.set(scratch, row * width);
  }
  return out;
}

/** Class id per row from margins: margin > 0 (binary) or the first largest margin. */
export function marginsToLabels(model: GbdtModel, margins: Float64Array, rows: number): Int32Array {
  const labels = new Int32Array(rows);
  const width = model.outputs;
  for (let row = 0; row < rows; row++) {
    if (model.objective === 'binary-logloss') {
      labels[row] = margins[row]! > 0 ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let k = 1; k < width; k++) if (margins[row * width + k]! > margins[row * width + best]!) best = k;
    labels[row] = best;
  }
  return labels;
}
