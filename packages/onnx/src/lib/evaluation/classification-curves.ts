/** One-vs-rest ROC and precision–recall curves of one class, as evaluate writes them to curves.json. */
export interface ClassCurves {
  class: string;
  /** Rows whose true class is this one. */
  positives: number;
  /** Points from (0, 0) to (1, 1), one per distinct score threshold (highest first). */
  roc: { fpr: number[]; tpr: number[] };
  /** Points from recall 0 (precision 1) up, one per distinct threshold. */
  pr: { recall: number[]; precision: number[] };
  /** Σ (Rₙ − Rₙ₋₁) Pₙ over the thresholds (scikit-learn's average_precision_score); null without positives. */
  averagePrecision: number | null;
}

export interface ClassificationCurves {
  schemaVersion: 1;
  /** The curves are thinned to at most this many points per class (always keeping both ends). */
  maxPoints: number;
  classes: ClassCurves[];
}

export interface ClassificationCurvesParams {
  truth: ArrayLike<number>;
  /** Row-major [rows × classes]. */
  probabilities: ArrayLike<number>;
  classes: readonly string[];
  maxPoints?: number;
}

export const CURVE_MAX_POINTS = 200;

/** ROC and PR curves per class (one-vs-rest), from the held-out rows' probabilities. */
export function classificationCurves(params: ClassificationCurvesParams): ClassificationCurves {
  const maxPoints = params.maxPoints ?? CURVE_MAX_POINTS;
  return {
    schemaVersion: 1,
    maxPoints,
    classes: params.classes.map((name, c) => classCurves(params, name, c, maxPoints)),
  };
}

function classCurves(params: ClassificationCurvesParams, name: string, c: number, maxPoints: number): ClassCurves {
  const { truth, probabilities } = params;
  const classCount = params.classes.length;
  const rows = truth.length;
  const score = (row: number): number => probabilities[row * classCount + c]!;
  // Highest score first; ties keep row order so the file is the same on every platform.
  const order = Array.from({ length: rows }, (_, row) => row).sort((a, b) => score(b) - score(a) || a - b);
  let positives = 0;
  for (let row = 0; row < rows; row++) if (truth[row] === c) positives++;
  const negatives = rows - positives;
  const roc = { fpr: [0], tpr: [0] };
  const pr = { recall: [0], precision: [1] };
  let truePositives = 0;
  let falsePositives = 0;
  let averagePrecision = 0;
  for (let start = 0; start < rows; ) {
    let end = start;
    while (end < rows && score(order[end]!) === score(order[start]!)) {
      if (truth[order[end]!] === c) truePositives++;
      else falsePositives++;
      end++;
    }
    start = end;
    const recall = positives === 0 ? 0 : truePositives / positives;
    const precision = truePositives / (truePositives + falsePositives);
    averagePrecision += (recall - pr.recall[pr.recall.length - 1]!) * precision;
    roc.fpr.push(negatives === 0 ? 0 : falsePositives / negatives);
    roc.tpr.push(recall);
    pr.recall.push(recall);
    pr.precision.push(precision);
  }
  return {
    class: name,
    positives,
    roc: thin({ fpr: roc.fpr, tpr: roc.tpr }, maxPoints),
    pr: thin({ recall: pr.recall, precision: pr.precision }, maxPoints),
    averagePrecision: positives === 0 ? null : averagePrecision,
  };
}

/** Keeps at most `maxPoints` evenly spaced points (first and last included), so big test sets stay small files. */
function thin<T extends Record<string, number[]>>(series: T, maxPoints: number): T {
  const length = Object.values(series)[0]!.length;
  if (length <= maxPoints) return series;
  const keep = Array.from({ length: maxPoints }, (_, i) => Math.round((i * (length - 1)) / (maxPoints - 1)));
  return Object.fromEntries(Object.entries(series).map(([key, values]) => [key, keep.map((index) => values[index]!)])) as T;
}
