import { describe, expect, it } from 'vitest';
import { classificationMetrics, rocAucOneVsRest } from './classification-metrics';
import { regressionMetrics } from './regression-metrics';

describe('classificationMetrics (hand-computed)', () => {
  // 3 classes, 6 rows. truth: a a b b c c; predicted: a b b b c a.
  const truth = [0, 0, 1, 1, 2, 2];
  const predicted = [0, 1, 1, 1, 2, 0];
  const probabilities = [0.7, 0.2, 0.1, 0.3, 0.6, 0.1, 0.1, 0.8, 0.1, 0.2, 0.5, 0.3, 0.1, 0.1, 0.8, 0.5, 0.1, 0.4];
  const metrics = classificationMetrics({ truth, predicted, probabilities, classes: ['a', 'b', 'c'] });

  it('accuracy and the confusion matrix', () => {
    expect(metrics.accuracy).toBeCloseTo(4 / 6, 12);
    expect(metrics.confusionMatrix).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 1],
    ]);
  });

  it('macro precision, recall and F1', () => {
    // precision: a 1/2, b 2/3, c 1/1; recall: a 1/2, b 2/2, c 1/2
    expect(metrics.precision).toBeCloseTo((1 / 2 + 2 / 3 + 1) / 3, 12);
    expect(metrics.recall).toBeCloseTo((1 / 2 + 1 + 1 / 2) / 3, 12);
    const f1 = (p: number, r: number) => (2 * p * r) / (p + r);
    expect(metrics.f1).toBeCloseTo((f1(0.5, 0.5) + f1(2 / 3, 1) + f1(1, 0.5)) / 3, 12);
  });

  it('log loss', () => {
    expect(metrics.logLoss).toBeCloseTo(-(Math.log(0.7) + Math.log(0.3) + Math.log(0.8) + Math.log(0.5) + Math.log(0.8) + Math.log(0.4)) / 6, 12);
  });

  it('one-vs-rest ROC AUC with ties counting half', () => {
    // class a scores: pos {0.7, 0.3}, neg {0.1, 0.2, 0.1, 0.5}: pairs won 4 + 3 = 7 of 8.
    expect(rocAucOneVsRest(truth, probabilities, 3, 0)).toBeCloseTo(7 / 8, 12);
    // class b: pos {0.8, 0.5}, neg {0.2, 0.6, 0.1, 0.1}: 4 + 3 = 7 of 8.
    expect(rocAucOneVsRest(truth, probabilities, 3, 1)).toBeCloseTo(7 / 8, 12);
    // class c: pos {0.8, 0.4}, neg {0.1, 0.1, 0.1, 0.3}: 4 + 4 = 8 of 8.
    expect(rocAucOneVsRest(truth, probabilities, 3, 2)).toBeCloseTo(1, 12);
    expect(metrics.rocAuc).toBeCloseTo((7 / 8 + 7 / 8 + 1) / 3, 12);
    // a tie between a positive and a negative counts half
    expect(rocAucOneVsRest([1, 0], [0.5, 0.5, 0.5, 0.5], 2, 1)).toBe(0.5);
    expect(rocAucOneVsRest([1, 1], [0.5, 0.5, 0.5, 0.5], 2, 1)).toBeNull();
  });

  it('averages over classes present in truth or predictions, as scikit-learn', () => {
    const twoOfThree = classificationMetrics({ truth: [0, 1], predicted: [0, 0], probabilities: [0.9, 0.1, 0, 0.6, 0.4, 0], classes: ['a', 'b', 'c'] });
    expect(twoOfThree.precision).toBeCloseTo((0.5 + 0) / 2, 12);
    expect(twoOfThree.recall).toBeCloseTo((1 + 0) / 2, 12);
  });
});

describe('regressionMetrics (hand-computed)', () => {
  it('RMSE, MAE and R²', () => {
    const metrics = regressionMetrics({ truth: [1, 2, 3, 4], predicted: [1.5, 2, 2, 4] });
    expect(metrics.rmse).toBeCloseTo(Math.sqrt((0.25 + 0 + 1 + 0) / 4), 12);
    expect(metrics.mae).toBeCloseTo(1.5 / 4, 12);
    expect(metrics.r2).toBeCloseTo(1 - 1.25 / 5, 12);
  });

  it('R² of a constant truth', () => {
    expect(regressionMetrics({ truth: [2, 2], predicted: [2, 2] }).r2).toBe(1);
    expect(regressionMetrics({ truth: [2, 2], predicted: [2, 3] }).r2).toBe(0);
  });
});
