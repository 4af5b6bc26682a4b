import { chiSquareSurvival } from './chi-square-distribution';

export interface ChiSquareResult {
  statistic: number;
  degreesOfFreedom: number;
  /** P(χ² ≥ statistic) under "both samples have the same category proportions". */
  pValue: number;
}

/**
 * Pearson's chi-square test of homogeneity on the 2 × k table of two samples' counts per
 * category (no continuity correction: scipy's `chi2_contingency(..., correction=False)`).
 * Categories empty in both samples are left out; with fewer than two categories left there
 * is nothing to compare (statistic 0, p-value 1).
 */
export function chiSquareTest(params: { expected: readonly number[]; actual: readonly number[] }): ChiSquareResult {
  const { expected, actual } = params;
  if (expected.length !== actual.length) {
    throw new TypeError(`expected and actual should have the same number of categories (${expected.length} vs ${actual.length})`);
  }
  const columns: [number, number][] = [];
  for (let index = 0; index < expected.length; index++) {
    if (expected[index]! + actual[index]! > 0) columns.push([expected[index]!, actual[index]!]);
  }
  const expectedTotal = columns.reduce((total, [e]) => total + e, 0);
  const actualTotal = columns.reduce((total, [, a]) => total + a, 0);
  const total = expectedTotal + actualTotal;
  if (columns.length < 2 || expectedTotal === 0 || actualTotal === 0) return { statistic: 0, degreesOfFreedom: Math.max(columns.length - 1, 0), pValue: 1 };
  let statistic = 0;
  for (const [e, a] of columns) {
    const columnTotal = e + a;
    const expectedE = (expectedTotal * columnTotal) / total;
    const expectedA = (actualTotal * columnTotal) / total;
    statistic += (e - expectedE) ** 2 / expectedE + (a - expectedA) ** 2 / expectedA;
  }
  const degreesOfFreedom = columns.length - 1;
  return { statistic, degreesOfFreedom, pValue: chiSquareSurvival(statistic, degreesOfFreedom) };
}
