import { type Column, DataError, SeededRandom } from '@reproml/core';
import { compareCodePoints } from './compare-code-points';
import { describeRows } from './describe-rows';
import type { StageLocation } from './stage-location';

export const SPLIT_NAMES = ['train', 'validation', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/** Row indices (into the filtered table) of each split, ascending: rows keep their file order. */
export type SplitRows = Record<SplitName, Uint32Array>;

export interface SplitRowsParams {
  rowCount: number;
  fractions: Record<SplitName, number>;
  seed: number;
  /** Column whose class proportions every split keeps. */
  stratify?: Column;
  /** Input-file row of each table row (0-based), for messages. */
  rowNumbers: ArrayLike<number>;
  location: StageLocation;
}

/**
 * Seeded train/validation/test split. The only randomness is a SeededRandom permutation
 * (per stratum when stratified, strata in sorted order), so a seed gives the same rows on
 * every machine. Counts use largest remainders, so they add up exactly.
 */
export function splitRows(params: SplitRowsParams): SplitRows {
  const rng = new SeededRandom(params.seed);
  // Unstratified, the one stratum is every row: its rows are the permutation's own indices (no identity array).
  const strata = params.stratify ? groupRows(params.stratify, params) : [{ value: undefined, rows: undefined, length: params.rowCount }];
  const counts = strata.map((stratum) => {
    const stratumCounts = allocate(stratum.length, params.fractions);
    if (params.stratify) checkStratum(stratum.value!, stratum.length, stratumCounts, params);
    return stratumCounts;
  });
  // Each split's rows in a typed array of its final size (no growing arrays of row numbers).
  const result = {} as SplitRows;
  const filled: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  for (const split of SPLIT_NAMES) result[split] = new Uint32Array(counts.reduce((sum, stratumCounts) => sum + stratumCounts[split], 0));
  strata.forEach((stratum, index) => {
    const order = rng.permutation(stratum.length);
    const stratumRows = stratum.rows;
    let next = 0;
    for (const split of SPLIT_NAMES) {
      const rows = result[split];
      for (let i = 0; i < counts[index]![split]; i++) rows[filled[split]++] = stratumRows ? stratumRows[order[next++]!]! : order[next++]!;
    }
  });
  for (const split of SPLIT_NAMES) {
    if (params.fractions[split] > 0 && result[split].length === 0) {
      throw new DataError(`The ${split} split would be empty: ${params.rowCount} rows × ${params.fractions[split]}`, {
        ...params.location,
        field: `split.${split}`,
        hint: `Give the ${split} split a larger fraction, or set it to 0 to have none.`,
      });
    }
    result[split].sort();
  }
  return result;
}

/** Rows of each value of the stratification column, values in sorted order. */
function groupRows(column: Column, params: SplitRowsParams): { value: string; rows: Uint32Array; length: number }[] {
  const groups = new Map<string, number[]>();
  const missing: number[] = [];
  for (let row = 0; row < params.rowCount; row++) {
    const raw = column.values[row];
    if (raw === null || (typeof raw === 'number' && Number.isNaN(raw))) {
      missing.push(params.rowNumbers[row]!);
      continue;
    }
    const key = String(raw);
    let rows = groups.get(key);
    if (!rows) groups.set(key, (rows = []));
    rows.push(row);
  }
  if (missing.length) {
    throw new DataError(`Cannot stratify by '${column.name}': it is missing in ${describeRows(missing)}`, {
      ...params.location,
      field: 'split.stratify',
      hint: `Drop those rows with a filter { "op": "notNull", "column": "${column.name}" }, or stratify by another column.`,
    });
  }
  return [...groups.keys()].sort(compareCodePoints).map((value) => ({ value, rows: Uint32Array.from(groups.get(value)!), length: groups.get(value)!.length }));
}

/** Largest-remainder allocation of n rows to the splits; ties go to the earlier split. */
export function allocate(n: number, fractions: Record<SplitName, number>): Record<SplitName, number> {
  const exact = SPLIT_NAMES.map((split) => n * fractions[split]);
  const counts = exact.map(Math.floor);
  let left = n - counts.reduce((a, b) => a + b, 0);
  const byRemainder = SPLIT_NAMES.map((_, i) => i)
    .filter((i) => fractions[SPLIT_NAMES[i]!] > 0)
    .sort((a, b) => exact[b]! - counts[b]! - (exact[a]! - counts[a]!) || a - b);
  for (const i of byRemainder) {
    if (left <= 0) break;
    counts[i]!++;
    left--;
  }
  return { train: counts[0]!, validation: counts[1]!, test: counts[2]! };
}

function checkStratum(value: string, size: number, counts: Record<SplitName, number>, params: SplitRowsParams): void {
  for (const split of SPLIT_NAMES) {
    if (params.fractions[split] > 0 && counts[split] === 0) {
      throw new DataError(
        `Stratified split by '${params.stratify!.name}' leaves class '${value}' empty in the ${split} split: the class has only ${size} row(s)`,
        {
          ...params.location,
          field: 'split.stratify',
          hint: `Merge or drop the rare class '${value}' (e.g. a filter { "op": "ne", "column": "${params.stratify!.name}", "value": "${value}" }), or give ${split} a larger fraction.`,
        },
      );
    }
  }
}
