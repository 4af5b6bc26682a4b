import { kolmogorovSurvival } from './kolmogorov-distribution';
import { smirnovExactPValue } from './smirnov-exact';

/** Up to this m·n the p-value is exact; above it, the asymptotic Kolmogorov distribution. */
export const KS_EXACT_MAX_CELLS = 1_000_000;

export interface KolmogorovSmirnovResult {
  /** D = sup |F_reference(x) − F_sample(x)|. */
  statistic: number;
  /** Two-sided p-value of "both samples come from the same continuous distribution". */
  pValue: number;
  method: 'exact' | 'asymptotic';
  /** Present (non-NaN) values compared on each side. */
  referenceCount: number;
  sampleCount: number;
}

/**
 * Two-sample Kolmogorov–Smirnov test (two-sided). NaN values are ignored. Ties are handled in
 * the statistic (both empirical CDFs step past a repeated value together); the p-value assumes
 * a continuous distribution, so with many ties it is conservative (too large), never too small.
 * p-value: exact lattice-path count when m·n ≤ 1e6, else the Kolmogorov limit at
 * √(m·n/(m+n))·D (as R's ks.test).
 */
export function kolmogorovSmirnovTest(params: { reference: ArrayLike<number>; sample: ArrayLike<number> }): KolmogorovSmirnovResult {
  const reference = sortedPresent(params.reference);
  const sample = sortedPresent(params.sample);
  const m = reference.length;
  const n = sample.length;
  if (m === 0 || n === 0) return { statistic: 0, pValue: 1, method: 'exact', referenceCount: m, sampleCount: n };
  const scaled = scaledStatistic(reference, sample);
  const statistic = scaled / (m * n);
  if (m * n <= KS_EXACT_MAX_CELLS) {
    return { statistic, pValue: smirnovExactPValue({ m, n, scaledStatistic: scaled }), method: 'exact', referenceCount: m, sampleCount: n };
  }
  const effective = Math.sqrt((m * n) / (m + n));
  return { statistic, pValue: kolmogorovSurvival(effective * statistic), method: 'asymptotic', referenceCount: m, sampleCount: n };
}

/** max over x of |i·n − j·m| where i, j are the counts ≤ x: D·m·n as an exact integer. */
function scaledStatistic(reference: Float64Array, sample: Float64Array): number {
  const m = reference.length;
  const n = sample.length;
  let i = 0;
  let j = 0;
  let largest = 0;
  while (i < m && j < n) {
    const x = Math.min(reference[i]!, sample[j]!);
    while (i < m && reference[i] === x) i++;
    while (j < n && sample[j] === x) j++;
    largest = Math.max(largest, Math.abs(i * n - j * m));
  }
  return largest;
}

function sortedPresent(values: ArrayLike<number>): Float64Array {
  const present: number[] = [];
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (!Number.isNaN(value)) present.push(value);
  }
  return Float64Array.from(present).sort();
}
