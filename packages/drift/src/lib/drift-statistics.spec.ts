import { populationStabilityIndex } from '@reproml/data';
import { describe, expect, it } from 'vitest';
import { chiSquareSurvival, logGamma } from './chi-square-distribution';
import { chiSquareTest } from './chi-square-test';
import { kolmogorovSurvival } from './kolmogorov-distribution';
import { kolmogorovSmirnovTest } from './kolmogorov-smirnov';

// Known answers. Hand-computed where the arithmetic is short; otherwise computed once with
// scipy 1.10.1 (Debian python3-scipy, /usr/bin/python3) and hard-coded; the call is named beside each.

describe('populationStabilityIndex', () => {
  it('matches the hand computation Σ (a − e) ln(a / e) on four bins', () => {
    // e = 0.25 each; a = 0.1, 0.2, 0.3, 0.4:
    // (−0.15)ln 0.4 + (−0.05)ln 0.8 + 0.05 ln 1.2 + 0.15 ln 1.6 = 0.137444 + 0.011157 + 0.009116 + 0.070501
    expect(populationStabilityIndex({ expected: [25, 25, 25, 25], actual: [10, 20, 30, 40] })).toBeCloseTo(0.2282174, 6);
  });

  it('is 0 for equal proportions whatever the sample sizes, and symmetric', () => {
    expect(populationStabilityIndex({ expected: [10, 20, 70], actual: [1, 2, 7] })).toBe(0);
    const forward = populationStabilityIndex({ expected: [5, 10, 85], actual: [20, 30, 50] });
    const backward = populationStabilityIndex({ expected: [20, 30, 50], actual: [5, 10, 85] });
    expect(forward).toBeCloseTo(backward, 12);
  });

  it('floors empty bins at epsilon instead of going infinite', () => {
    // a = (0, 1), e = (0.5, 0.5) → (1e-4 − 0.5) ln(1e-4/0.5) + 0.5 ln 2
    const expected = (1e-4 - 0.5) * Math.log(1e-4 / 0.5) + 0.5 * Math.log(2);
    expect(populationStabilityIndex({ expected: [1, 1], actual: [0, 4] })).toBeCloseTo(expected, 12);
  });
});

describe('kolmogorovSmirnovTest', () => {
  it('gives D = 1 and the exact p = 2 / C(10, 5) for two disjoint samples of five', () => {
    const result = kolmogorovSmirnovTest({ reference: [1, 2, 3, 4, 5], sample: [6, 7, 8, 9, 10] });
    expect(result.statistic).toBe(1);
    expect(result.method).toBe('exact');
    expect(result.pValue).toBeCloseTo(2 / 252, 14); // scipy ks_2samp(method="exact"): 0.007936507936507936
  });

  it('matches scipy ks_2samp(method="exact") on samples of 3 and 4 and of 25 and 20', () => {
    const small = kolmogorovSmirnovTest({ reference: [1, 2, 3], sample: [1.5, 2.5, 3.5, 4.5] });
    expect(small.statistic).toBe(0.5);
    expect(small.pValue).toBeCloseTo(0.6571428571428571, 12);
    const x = [
      0.61, 0.29, 0.06, 0.59, -1.73, -0.74, 0.51, -0.56, 0.39, 1.64, 0.05, -0.06, 0.64, -0.82, 0.37, 1.77, 1.09, -1.28, 2.36, 1.31, 1.05, -0.32, -0.4, 1.06,
      -2.47,
    ];
    const y = [2.2, 1.66, 1.38, 0.2, 0.36, 0, 0.96, 1.56, 0.44, 1.5, -0.3, 0.66, 2.31, 3.29, -0.27, -0.37, 0.38, 0.7, 0.52, -0.71];
    const result = kolmogorovSmirnovTest({ reference: x, sample: y });
    expect(result.statistic).toBeCloseTo(0.23, 12);
    expect(result.pValue).toBeCloseTo(0.5286364448145011, 10);
  });

  it('steps both empirical CDFs past tied values together and ignores NaN', () => {
    // F_ref jumps to 1 at 1; F_sample is 0.5 at 1 and 1 at 2: D = 0.5, not 1.
    const result = kolmogorovSmirnovTest({ reference: [1, 1, NaN], sample: [1, 2] });
    expect(result.statistic).toBe(0.5);
    expect(result.referenceCount).toBe(2);
    expect(kolmogorovSmirnovTest({ reference: [3, 1, 2], sample: [2, 3, 1] })).toMatchObject({ statistic: 0, pValue: 1 });
  });

  it('uses the Kolmogorov limit √(mn/(m+n))·D above a million cells', () => {
    const x = Array.from({ length: 1200 }, (_, i) => i / 1200);
    const y = Array.from({ length: 1000 }, (_, j) => ((j + 0.5) / 1000) ** 1.2);
    const result = kolmogorovSmirnovTest({ reference: x, sample: y });
    expect(result.method).toBe('asymptotic');
    expect(result.statistic).toBeCloseTo(0.06733333333333336, 12); // scipy ks_2samp statistic
    expect(result.pValue).toBeCloseTo(0.0142244555603002, 8); // scipy kstwobign.sf(sqrt(1200*1000/2200) * D)
  });
});

describe('kolmogorovSurvival', () => {
  it.each([
    [0.3, 0.9999906941986655],
    [0.5, 0.9639452436648751],
    [0.8, 0.5441424115741981],
    [1.0, 0.26999967167735456],
    [1.2, 0.11224966667072497],
    [1.36, 0.049485876755377876],
    [1.63, 0.009846364888486529],
    [2.0, 0.0006709252557796953],
    [3.0, 3.045995948942526e-8],
  ])('P(K > %s) matches scipy kstwobign.sf', (lambda, expected) => {
    expect(kolmogorovSurvival(lambda)).toBeCloseTo(expected, 12);
    expect(Math.abs(kolmogorovSurvival(lambda) - expected) / expected).toBeLessThan(1e-9);
  });
});

describe('chi-square', () => {
  it.each([
    [3.84, 1, 0.05004352124870519],
    [10, 5, 0.07523524614651217],
    [0.5, 2, 0.7788007830714049], // = exp(−0.25) by hand (two degrees of freedom: sf = e^(−x/2))
    [25, 9, 0.002971180485917624],
    [100, 3, 1.5541594313896026e-21],
    [0.001, 4, 0.9999998750416589],
  ])('P(χ² > %s | %s dof) matches scipy chi2.sf', (x, degrees, expected) => {
    expect(Math.abs(chiSquareSurvival(x, degrees) - expected) / expected).toBeLessThan(1e-10);
  });

  it('logGamma matches math.lgamma', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5723649429247004, 13); // ln √π
    expect(logGamma(10.3)).toBeCloseTo(13.48203678613836, 12);
  });

  it('tests homogeneity of a 2 × 3 table as scipy chi2_contingency(correction=False)', () => {
    const result = chiSquareTest({ expected: [30, 50, 20], actual: [20, 40, 40] });
    expect(result.statistic).toBeCloseTo(9.777777777777779, 12);
    expect(result.degreesOfFreedom).toBe(2);
    expect(result.pValue).toBeCloseTo(0.007529784255650024, 12);
  });

  it('leaves out categories empty on both sides and has nothing to test with one category', () => {
    expect(chiSquareTest({ expected: [30, 0, 50, 20], actual: [20, 0, 40, 40] }).degreesOfFreedom).toBe(2);
    expect(chiSquareTest({ expected: [10, 0], actual: [5, 0] })).toEqual({ statistic: 0, degreesOfFreedom: 0, pValue: 1 });
  });
});
