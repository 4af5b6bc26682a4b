/**
 * The losses gbdt boosts: binary log-loss (one margin, sigmoid), multi-class log-loss
 * (one margin per class, softmax) and squared error. Margins are row-major [rows × outputs].
 */
export type ObjectiveName = 'binary-logloss' | 'multiclass-logloss' | 'squared-error';

/** Smallest hessian of a row (log-loss hessians vanish for confident rows). */
const MIN_HESSIAN = 1e-16;
/** Probabilities are clipped to [EPS, 1-EPS] inside the loss. */
const EPS = 1e-15;

export interface Objective {
  name: ObjectiveName;
  /** Margins per row: 1, or the class count for multi-class. */
  outputs: number;
  /** Every row's hessian is exactly 1 (squared error), so a histogram can count rows instead of summing hessians. */
  unitHessian: boolean;
  /** Starting margin per output, from the training labels (log-odds, log-priors, mean). */
  baseMargins(labels: Float64Array, rows: number): Float64Array;
  /** Gradient and hessian of every output per row at the current margins; returns the mean loss there (one pass for both). */
  gradients(margins: Float64Array, labels: Float64Array, rows: number, grad: Float64Array[], hess: Float64Array[]): number;
  /** Mean loss over the rows. */
  loss(margins: Float64Array, labels: Float64Array, rows: number): number;
}

export function objectiveFor(task: 'classification' | 'regression', classCount: number): Objective {
  if (task === 'regression') return squaredError;
  return classCount === 2 ? binaryLogloss : multiclassLogloss(classCount);
}

export function sigmoid(margin: number): number {
  return 1 / (1 + Math.exp(-margin));
}

const binaryLogloss: Objective = {
  name: 'binary-logloss',
  outputs: 1,
  unitHessian: false,
  baseMargins(labels, rows) {
    let positives = 0;
    for (let row = 0; row < rows; row++) positives += labels[row]!;
    const p = Math.min(Math.max(positives / rows, EPS), 1 - EPS);
    return Float64Array.of(Math.log(p / (1 - p)));
  },
  gradients(margins, labels, rows, [grad], [hess]) {
    let sum = 0;
    for (let row = 0; row < rows; row++) {
      const p = sigmoid(margins[row]!);
      const label = labels[row]!;
      grad![row] = p - label;
      hess![row] = Math.max(p * (1 - p), MIN_HESSIAN);
      const clipped = Math.min(Math.max(p, EPS), 1 - EPS);
      sum -= label === 1 ? Math.log(clipped) : Math.log(1 - clipped);
    }
    return sum / rows;
  },
  loss(margins, labels, rows) {
    let sum = 0;
    for (let row = 0; row < rows; row++) {
      const p = Math.min(Math.max(sigmoid(margins[row]!), EPS), 1 - EPS);
      sum -= labels[row] === 1 ? Math.log(p) : Math.log(1 - p);
    }
    return sum / rows;
  },
};

function multiclassLogloss(classes: number): Objective {
  const probabilities = new Float64Array(classes);
  return {
    name: 'multiclass-logloss',
    outputs: classes,
    unitHessian: false,
    baseMargins(labels, rows) {
      const counts = new Float64Array(classes);
      for (let row = 0; row < rows; row++) counts[labels[row]!]! += 1;
      return counts.map((count) => Math.log(Math.max(count / rows, EPS)));
    },
    gradients(margins, labels, rows, grad, hess) {
      let sum = 0;
      for (let row = 0; row < rows; row++) {
        softmaxRow(margins, row * classes, classes, probabilities);
        const label = labels[row]!;
        for (let k = 0; k < classes; k++) {
          const p = probabilities[k]!;
          grad[k]![row] = p - (k === label ? 1 : 0);
          hess[k]![row] = Math.max(p * (1 - p), MIN_HESSIAN);
        }
        sum -= Math.log(Math.max(probabilities[label]!, EPS));
      }
      return sum / rows;
    },
    loss(margins, labels, rows) {
      let sum = 0;
      for (let row = 0; row < rows; row++) {
        softmaxRow(margins, row * classes, classes, probabilities);
        sum -= Math.log(Math.max(probabilities[labels[row]!]!, EPS));
      }
      return sum / rows;
    },
  };
}

/** Softmax of margins[offset .. offset+width) into out (max subtracted first). */
export function softmaxRow(margins: Float64Array, offset: number, width: number, out: Float64Array): void {
  let max = -Infinity;
  for (let k = 0; k < width; k++) max = Math.max(max, margins[offset + k]!);
  let total = 0;
  for (let k = 0; k < width; k++) {
    const e = Math.exp(margins[offset + k]! - max);
    out[k] = e;
    total += e;
  }
  for (let k = 0; k < width; k++) out[k] = out[k]! / total;
}

const squaredError: Objective = {
  name: 'squared-error',
  outputs: 1,
  unitHessian: true,
  baseMargins(labels, rows) {
    let sum = 0;
    for (let row = 0; row < rows; row++) sum += labels[row]!;
    return Float64Array.of(sum / rows);
  },
  gradients(margins, labels, rows, [grad], [hess]) {
    let sum = 0;
    for (let row = 0; row < rows; row++) {
      const residual = margins[row]! - labels[row]!;
      grad![row] = residual;
      hess![row] = 1;
      sum += residual * residual;
    }
    return sum / rows;
  },
  loss(margins, labels, rows) {
    let sum = 0;
    for (let row = 0; row < rows; row++) sum += (margins[row]! - labels[row]!) ** 2;
    return sum / rows;
  },
};
