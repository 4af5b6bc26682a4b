import type { ClassificationMetrics } from '../contracts/metrics-document';

export interface ClassificationMetricsParams {
  /** True class id per row. */
  truth: ArrayLike<number>;
  /** Predicted class id per row. */
  predicted: ArrayLike<number>;
  /** Row-major [rows × classes] probabilities. */
  probabilities: ArrayLike<number>;
  classes: readonly string[];
}

const PROBABILITY_FLOOR = 1e-15;

export function classificationMetrics(params: ClassificationMetricsParams): ClassificationMetrics {
  const { truth, predicted, probabilities, classes } = params;
  const rows = truth.length;
  const classCount = classes.length;
  if (predicted.length !== rows || probabilities.length !== rows * classCount) {
    throw new TypeError(`metrics need ${rows} predictions and ${rows * classCount} probabilities, got ${predicted.length} and ${probabilities.length}`);
  }
  if (rows === 0) throw new TypeError('metrics need at least one row');
  const confusionMatrix = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  let correct = 0;
  let logLoss = 0;
  for (let row = 0; row < rows; row++) {
    const actual = truth[row]!;
    const guess = predicted[row]!;
    confusionMatrix[actual]![guess]! += 1;
    if (actual === guess) correct++;
    logLoss -= Math.log(Math.min(1, Math.max(PROBABILITY_FLOOR, probabilities[row * classCount + actual]!)));
  }
  const perClass = classes.map((name, c) => {
    const truePositives = confusionMatrix[c]![c]!;
    const support = confusionMatrix[c]!.reduce((sum, count) => sum + count, 0);
    const predictedCount = confusionMatrix.reduce((sum, line) => sum + line[c]!, 0);
    const precision = predictedCount === 0 ? 0 : truePositives / predictedCount;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { class: name, precision, recall, f1, support, predictedCount };
  });
  const averaged = perClass.filter((entry) => entry.support > 0 || entry.predictedCount > 0);
  const mean = (key: 'precision' | 'recall' | 'f1'): number => averaged.reduce((sum, entry) => sum + entry[key], 0) / averaged.length;
  const aucs = classes.map((_, c) => rocAucOneVsRest(truth, probabilities, classCount, c)).filter((auc): auc is number => auc !== null);
  return {
    rows,
    accuracy: correct / rows,
    precision: mean('precision'),
    recall: mean('recall'),
    f1: mean('f1'),
    rocAuc: aucs.length === 0 ? null : aucs.reduce((sum, auc) => sum + auc, 0) / aucs.length,
    logLoss: logLoss / rows,
    confusionMatrix,
    perClass: perClass.map(({ predictedCount: _unused, ...entry }) => entry),
  };
}

/**
 * ROC AUC of class `c` against the rest: the probability that a random positive row
 * scores above a random negative one, ties counting half (Mann–Whitney U with mid-ranks).
 * Null when the class has no positive or no negative row.
 */
export function rocAucOneVsRest(truth: ArrayLike<number>, probabilities: ArrayLike<number>, classCount: number, c: number): number | null {
  const rows = truth.length;
  const order = Array.from({ length: rows }, (_, row) => row).sort((a, b) => probabilities[a * classCount + c]! - probabilities[b * classCount + c]!);
  let positives = 0;
  let positiveRankSum = 0;
  let start = 0;
  while (start < rows) {
    let end = start;
    const score = probabilities[order[start]! * classCount + c]!;
    while (end + 1 < rows && probabilities[order[end + 1]! * classCount + c]! === score) end++;
    const midRank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) {
      if (truth[order[i]!] === c) {
        positives++;
        positiveRankSum += midRank;
      }
    }
    start = end + 1;
  }
  const negatives = rows - positives;
  if (positives === 0 || negatives === 0) return null;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
