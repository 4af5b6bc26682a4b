import type { StringColumnProfile } from './profile-document';

/** Distinct values a string column's profile counts one by one; beyond them the column is no category (an id, free text). */
export const CATEGORY_CAP = 10_000;
/** How many of the most frequent values a string profile lists. */
export const TOP_CATEGORIES = 20;

/**
 * A string column's profile, fed a window of values at a time. Memory is bounded by
 * `CATEGORY_CAP` distinct values: the first CATEGORY_CAP distinct values (in row order) are
 * counted exactly; a value first seen after that is counted only in `otherCount`, and the
 * profile says `capped`. Below the cap every figure is exact.
 */
export class CategoryCounter {
  private readonly frequencies = new Map<string, number>();
  private nulls = 0;
  private rows = 0;
  private capped = false;

  constructor(private readonly name: string) {}

  add(values: ArrayLike<string | null>, length = values.length): void {
    const frequencies = this.frequencies;
    for (let row = 0; row < length; row++) {
      const value = values[row]!;
      if (value === null) {
        this.nulls++;
        continue;
      }
      const seen = frequencies.get(value);
      if (seen !== undefined) frequencies.set(value, seen + 1);
      else if (frequencies.size < CATEGORY_CAP) frequencies.set(value, 1);
      else this.capped = true;
    }
    this.rows += length;
  }

  profile(): StringColumnProfile {
    const ranked = [...this.frequencies].sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0));
    const top = ranked.slice(0, TOP_CATEGORIES).map(([value, count]) => ({ value, count }));
    const count = this.rows - this.nulls;
    return {
      name: this.name,
      kind: 'string',
      count,
      nulls: this.nulls,
      nullFraction: this.rows ? this.nulls / this.rows : 0,
      distinct: this.frequencies.size,
      top,
      otherCount: count - top.reduce((total, entry) => total + entry.count, 0),
      capped: this.capped,
    };
  }
}
