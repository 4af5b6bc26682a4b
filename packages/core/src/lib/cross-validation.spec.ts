import { describe, expect, it } from 'vitest';
import { assignFolds, meanAndSd, summarizeFolds } from './cross-validation';

describe('assignFolds', () => {
  it('spreads every class evenly over the folds, the same way for the same seed', () => {
    // 6 of class 0, 3 of class 1, 3 folds: each fold gets 2 of class 0 and 1 of class 1.
    const labels = [0, 0, 0, 0, 0, 0, 1, 1, 1];
    const folds = assignFolds(labels, { folds: 3, seed: 4, stratify: true });
    for (let fold = 0; fold < 3; fold++) {
      const rows = [...folds.keys()].filter((row) => folds[row] === fold);
      expect(rows.filter((row) => labels[row] === 0)).toHaveLength(2);
      expect(rows.filter((row) => labels[row] === 1)).toHaveLength(1);
    }
    expect(assignFolds(labels, { folds: 3, seed: 4, stratify: true })).toEqual(folds);
    expect([...assignFolds(labels, { folds: 3, seed: 5, stratify: true })]).not.toEqual([...folds]);
  });

  it('without stratification, fold sizes differ by at most one', () => {
    const folds = assignFolds(new Float64Array(10), { folds: 4, seed: 1, stratify: false });
    const sizes = [0, 1, 2, 3].map((fold) => folds.filter((value) => value === fold).length);
    expect(sizes.sort()).toEqual([2, 2, 3, 3]);
  });
});

describe('cross-validation figures', () => {
  it('match a hand computation: mean and sample standard deviation per metric', () => {
    // Accuracies 0.8, 0.9, 1.0: mean 0.9; deviations -0.1, 0, 0.1; sd = sqrt((0.01 + 0 + 0.01) / 2) = 0.1.
    // Losses 0.5, 0.3, 0.4: mean 0.4; sd = sqrt((0.01 + 0.01 + 0) / 2) = 0.1.
    const summary = summarizeFolds([
      { accuracy: 0.8, loss: 0.5 },
      { accuracy: 0.9, loss: 0.3 },
      { accuracy: 1.0, loss: 0.4 },
    ]);
    expect(summary.accuracy!.mean).toBeCloseTo(0.9, 12);
    expect(summary.accuracy!.sd).toBeCloseTo(0.1, 12);
    expect(summary.accuracy!.folds).toEqual([0.8, 0.9, 1.0]);
    expect(summary.loss!.mean).toBeCloseTo(0.4, 12);
    expect(summary.loss!.sd).toBeCloseTo(0.1, 12);
    expect(meanAndSd([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ mean: 5, sd: Math.sqrt(32 / 7) });
    expect(meanAndSd([3])).toEqual({ mean: 3, sd: 0 });
  });

  it('leaves out a metric a fold does not report', () => {
    expect(Object.keys(summarizeFolds([{ a: 1, b: 2 }, { a: 3 }]))).toEqual(['a']);
  });
});
