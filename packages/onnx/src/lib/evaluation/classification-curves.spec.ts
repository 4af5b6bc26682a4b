import { describe, expect, it } from 'vitest';
import { classificationCurves } from './classification-curves';
import { rocAucOneVsRest } from './classification-metrics';

describe('classificationCurves', () => {
  // Two classes; class 1 scores: rows 0..3 = 0.9 (pos), 0.8 (neg), 0.4 (pos), 0.2 (neg).
  const truth = [1, 0, 1, 0];
  const probabilities = [0.1, 0.9, 0.2, 0.8, 0.6, 0.4, 0.8, 0.2];

  it('computes ROC and PR points per class by hand', () => {
    const curves = classificationCurves({ truth, probabilities, classes: ['a', 'b'] });
    const b = curves.classes[1]!;
    expect(b.positives).toBe(2);
    expect(b.roc).toEqual({ fpr: [0, 0, 0.5, 0.5, 1], tpr: [0, 0.5, 0.5, 1, 1] });
    expect(b.pr).toEqual({ recall: [0, 0.5, 0.5, 1, 1], precision: [1, 1, 0.5, 2 / 3, 0.5] });
    // AP = 0.5 × 1 + 0.5 × 2/3 (scikit-learn: 0.8333…)
    expect(b.averagePrecision).toBeCloseTo(0.5 + 1 / 3, 12);
  });

  it('has an ROC area equal to the metrics ROC AUC (trapezoids over the points)', () => {
    const curves = classificationCurves({ truth, probabilities, classes: ['a', 'b'] });
    for (const [c, curve] of curves.classes.entries()) {
      let area = 0;
      for (let i = 1; i < curve.roc.fpr.length; i++) area += ((curve.roc.fpr[i]! - curve.roc.fpr[i - 1]!) * (curve.roc.tpr[i]! + curve.roc.tpr[i - 1]!)) / 2;
      expect(area).toBeCloseTo(rocAucOneVsRest(truth, probabilities, 2, c)!, 12);
    }
  });

  it('groups tied scores into one threshold', () => {
    const curves = classificationCurves({ truth: [1, 0], probabilities: [0.5, 0.5, 0.5, 0.5], classes: ['a', 'b'] });
    expect(curves.classes[1]!.roc).toEqual({ fpr: [0, 1], tpr: [0, 1] });
  });

  it('thins long curves to maxPoints, keeping both ends', () => {
    const rows = 1000;
    const truthMany = Array.from({ length: rows }, (_, i) => i % 2);
    const probs = Array.from({ length: rows }, (_, i) => [1 - i / rows, i / rows]).flat();
    const curve = classificationCurves({ truth: truthMany, probabilities: probs, classes: ['a', 'b'], maxPoints: 50 }).classes[1]!;
    expect(curve.roc.fpr).toHaveLength(50);
    expect([curve.roc.fpr[0], curve.roc.tpr[0], curve.roc.fpr.at(-1), curve.roc.tpr.at(-1)]).toEqual([0, 0, 1, 1]);
  });
});
