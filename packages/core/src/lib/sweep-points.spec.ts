import { describe, expect, it } from 'vitest';
import { sweepConfigSchema } from './sweep-config';
import { applySweepPoint, expandSweep, sweepPoint } from './sweep-points';

const parse = (value: unknown) => sweepConfigSchema.parse(value);

describe('expandSweep', () => {
  it('gives every grid combination once, in canonical order, whatever the order of keys and values', () => {
    const a = expandSweep(parse({ grid: { 'model.maxDepth': [2, 3], 'model.learningRate': [0.1, 0.05] }, select: { metric: 'validationLoss' } }));
    const b = expandSweep(parse({ grid: { 'model.learningRate': [0.05, 0.1], 'model.maxDepth': [3, 2] }, select: { metric: 'validationLoss' } }));
    expect(a).toHaveLength(4);
    expect(b).toEqual(a);
    expect(a.map((point) => point.values)).toContainEqual({ 'model.learningRate': 0.05, 'model.maxDepth': 2 });
  });

  it("derives a point's id from its values only", () => {
    expect(sweepPoint({ a: 1, b: [2] }).id).toBe(sweepPoint({ b: [2], a: 1 }).id);
    expect(sweepPoint({ a: 1 }).id).not.toBe(sweepPoint({ a: 2 }).id);
    expect(sweepPoint({ a: 1 }).id).toMatch(/^[0-9a-f]{10}$/);
  });

  it('adding a grid value adds points and keeps the others', () => {
    const before = expandSweep(parse({ grid: { x: [1, 2] }, select: { metric: 'm' } }));
    const after = expandSweep(parse({ grid: { x: [1, 2, 3] }, select: { metric: 'm' } }));
    expect(after.map((point) => point.id)).toEqual(expect.arrayContaining(before.map((point) => point.id)));
    expect(after).toHaveLength(3);
  });

  it('draws seeded random points; raising the count keeps the points drawn before', () => {
    const space = { 'model.learningRate': { min: 0.01, max: 1, scale: 'log' }, 'model.maxDepth': { min: 1, max: 6, integer: true }, family: ['a', 'b'] };
    const twelve = expandSweep(parse({ random: { points: 12, seed: 5, space }, select: { metric: 'm' } }));
    const again = expandSweep(parse({ random: { points: 12, seed: 5, space }, select: { metric: 'm' } }));
    const thirteen = expandSweep(parse({ random: { points: 13, seed: 5, space }, select: { metric: 'm' } }));
    expect(twelve).toEqual(again);
    expect(twelve).toHaveLength(12);
    expect(thirteen.filter((point) => !twelve.some((old) => old.id === point.id))).toHaveLength(1);
    for (const { values } of twelve) {
      expect(values['model.learningRate']).toBeGreaterThanOrEqual(0.01);
      expect(values['model.learningRate']).toBeLessThanOrEqual(1);
      expect(Number.isInteger(values['model.maxDepth'])).toBe(true);
      expect(['a', 'b']).toContain(values.family);
    }
    expect(expandSweep(parse({ random: { points: 12, seed: 6, space }, select: { metric: 'm' } }))).not.toEqual(twelve);
  });

  it('crosses every grid point with every random draw', () => {
    const points = expandSweep(parse({ grid: { a: [1, 2] }, random: { points: 3, space: { b: { min: 0, max: 1 } } }, select: { metric: 'm' } }));
    expect(points).toHaveLength(6);
  });

  it('refuses a sweep of shared stage fields, an empty sweep and a setting swept twice', () => {
    expect(sweepConfigSchema.safeParse({ grid: { 'inputs.features': ['x'] }, select: { metric: 'm' } }).success).toBe(false);
    expect(sweepConfigSchema.safeParse({ select: { metric: 'm' } }).success).toBe(false);
    expect(sweepConfigSchema.safeParse({ grid: { a: [1] }, random: { points: 1, space: { a: [2] } }, select: { metric: 'm' } }).success).toBe(false);
    expect(sweepConfigSchema.safeParse({ random: { points: 1, space: { a: { min: 0, max: 1, scale: 'log' } } }, select: { metric: 'm' } }).success).toBe(false);
  });
});

describe('applySweepPoint', () => {
  it('writes the values at their dotted paths, creating objects on the way, and drops the sweep', () => {
    const raw = { kind: 'train', model: { family: 'gbdt', maxDepth: 3 }, sweep: { grid: {} } };
    const config = applySweepPoint(raw, sweepPoint({ 'model.maxDepth': 5, 'training.optimizer.learningRate': 0.1 }));
    expect(config).toEqual({ kind: 'train', model: { family: 'gbdt', maxDepth: 5 }, training: { optimizer: { learningRate: 0.1 } } });
    expect(raw.model.maxDepth).toBe(3);
  });
});
