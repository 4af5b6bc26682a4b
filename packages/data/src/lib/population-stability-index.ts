/** Proportions below this count as this in the logarithm (an empty bin would make PSI infinite). */
export const DEFAULT_PSI_EPSILON = 1e-4;

export interface PopulationStabilityIndexParams {
  /** Reference (training) counts per bin. */
  expected: readonly number[];
  /** Current (batch) counts per bin, same bins. */
  actual: readonly number[];
  /** Floor of each proportion. Default: 1e-4. */
  epsilon?: number;
}

/**
 * Population stability index over shared bins: Σ (aᵢ − eᵢ) · ln(aᵢ / eᵢ) with aᵢ, eᵢ the
 * proportions of each sample in bin i (floored at epsilon). Symmetric in the two samples;
 * 0 when the proportions agree. Rule of thumb: < 0.1 stable, 0.1–0.25 moderate shift,
 * > 0.25 major shift.
 */
export function populationStabilityIndex(params: PopulationStabilityIndexParams): number {
  const { expected, actual } = params;
  if (expected.length !== actual.length) {
    throw new TypeError(`expected and actual should have the same number of bins (${expected.length} vs ${actual.length})`);
  }
  const epsilon = params.epsilon ?? DEFAULT_PSI_EPSILON;
  const expectedTotal = sum(expected);
  const actualTotal = sum(actual);
  if (expectedTotal === 0 || actualTotal === 0) return 0;
  let psi = 0;
  for (let bin = 0; bin < expected.length; bin++) {
    const e = Math.max(expected[bin]! / expectedTotal, epsilon);
    const a = Math.max(actual[bin]! / actualTotal, epsilon);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
