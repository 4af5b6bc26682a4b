import { describe, expect, it } from 'vitest';
import { stableStringify } from './stable-json';

describe('stableStringify', () => {
  it('sorts keys at every depth so equal values give equal bytes', () => {
    expect(stableStringify({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 0.1 } })).toBe(stableStringify({ a: { c: 0.1, d: [1, { y: 2, z: 1 }] }, b: 1 }));
    expect(stableStringify({ b: 1, a: 2 })).toBe('{\n  "a": 2,\n  "b": 1\n}\n');
  });

  it('refuses non-finite numbers and names where they are', () => {
    expect(() => stableStringify({ metrics: { loss: NaN } })).toThrow(/\$\.metrics\.loss/);
  });
});
