import { describe, expect, it } from 'vitest';
import { compareRuns, flattenParams } from './compare-runs';
import { testRun } from './test-run';

describe('compareRuns', () => {
  it('puts flattened params and metrics side by side and flags only what differs', () => {
    const a = {
      ...testRun({
        params: { description: 'a', training: { epochs: 10, optimizer: { learningRate: 0.01 } }, model: { hiddenLayers: [32] } },
        metrics: { accuracy: 0.9, f1: 0.8 },
      }),
      id: 1,
      note: null,
    };
    const b = {
      ...testRun({
        params: { description: 'b', training: { epochs: 10, optimizer: { learningRate: 0.05 } }, model: { hiddenLayers: [32] } },
        metrics: { accuracy: 0.95 },
      }),
      id: 2,
      note: 'faster',
    };
    const comparison = compareRuns([a, b]);
    expect(comparison.runs.map((run) => [run.id, run.note])).toEqual([
      [1, null],
      [2, 'faster'],
    ]);
    expect(comparison.params).toEqual([
      { key: 'model.hiddenLayers', values: ['[32]', '[32]'], differs: false },
      { key: 'training.epochs', values: [10, 10], differs: false },
      { key: 'training.optimizer.learningRate', values: [0.01, 0.05], differs: true },
    ]);
    expect(comparison.metrics).toEqual([
      { key: 'accuracy', values: [0.9, 0.95], differs: true },
      { key: 'f1', values: [0.8, null], differs: true },
    ]);
  });

  it('flattens nested objects to dotted keys, keeping arrays whole', () => {
    expect(flattenParams({ a: { b: { c: 1 } }, d: [1, 2], e: null, f: 'x' })).toEqual({ 'a.b.c': 1, d: '[1,2]', e: 'null', f: 'x' });
  });
});
