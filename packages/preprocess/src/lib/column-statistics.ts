import { compareCodePoints } from './compare-code-points';

/** Training statistics on float64 arrays; NaN values are skipped where noted. */

/** Values at the given rows that are not NaN. */
export function presentNumbers(values: Float64Array, rows: Uint32Array): Float64Array {
  let count = 0;
  for (let i = 0; i < rows.length; i++) if (!Number.isNaN(values[rows[i]!]!)) count++;
  const out = new Float64Array(count);
  let next = 0;
  for (let i = 0; i < rows.length; i++) {
    const value = values[rows[i]!]!;
    if (!Number.isNaN(value)) out[next++] = value;
  }
  return out;
}

/**
 * Values visited in order, without a copy: `count` of them, `each` calls `visit` with each
 * (the training values of a feature: see `trainValues`).
 */
export interface ValueSequence {
  count: number;
  each: (visit: (value: number) => void) => void;
}

/**
 * The values at `rows` in row order: the present ones only (NaN skipped), or every one with a
 * missing value replaced by `fill`. The same values, in the same order, as copying them would give.
 */
export function trainValues(values: Float64Array, rows: Uint32Array, fill?: number): ValueSequence {
  if (fill !== undefined) {
    return {
      count: rows.length,
      each: (visit) => {
        for (let i = 0; i < rows.length; i++) {
          const value = values[rows[i]!]!;
          visit(Number.isNaN(value) ? fill : value);
        }
      },
    };
  }
  let count = 0;
  for (let i = 0; i < rows.length; i++) if (!Number.isNaN(values[rows[i]!]!)) count++;
  return {
    count,
    each: (visit) => {
      for (let i = 0; i < rows.length; i++) {
        const value = values[rows[i]!]!;
        if (!Number.isNaN(value)) visit(value);
      }
    },
  };
}

export function mean(values: ValueSequence): number {
  let sum = 0;
  values.each((value) => (sum += value));
  return sum / values.count;
}

/** Population standard deviation (ddof 0, as scikit-learn's StandardScaler), two-pass. */
export function standardDeviation(values: ValueSequence, center: number): number {
  let sum = 0;
  values.each((value) => {
    const d = value - center;
    sum += d * d;
  });
  return Math.sqrt(sum / values.count);
}

export function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function minMax(values: ValueSequence): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  values.each((value) => {
    if (value < min) min = value;
    if (value > max) max = value;
  });
  return { min, max };
}

/** The most frequent number; ties go to the smallest (as scikit-learn's SimpleImputer). */
export function mostFrequentNumber(values: Float64Array): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < values.length; i++) counts.set(values[i]!, (counts.get(values[i]!) ?? 0) + 1);
  let best = NaN;
  let bestCount = 0;
  for (const [value, count] of counts) {
    if (count > bestCount || (count === bestCount && value < best)) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}

/** Counts of the non-null strings at the given rows. */
export function stringCounts(values: readonly (string | null)[], rows: Uint32Array): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < rows.length; i++) {
    const value = values[rows[i]!];
    if (value !== null && value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return counts;
}

/** The most frequent string; ties go to the first in code point order. */
export function mostFrequentString(counts: Map<string, number>): string | undefined {
  let best: string | undefined;
  let bestCount = 0;
  for (const [value, count] of counts) {
    if (count > bestCount || (count === bestCount && best !== undefined && compareCodePoints(value, best) < 0)) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}
