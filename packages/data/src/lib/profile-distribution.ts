import type { NumberColumnProfile, StringColumnProfile } from './profile-table';

/**
 * The cumulative distribution a number profile implies: piecewise linear through its
 * quantile points (0, 1 %, 5 %, …, 100 %), 0 below the minimum and 1 from the maximum on.
 * Profiles keep no sample, so comparisons of two dataset versions work on these curves.
 */
export function profileCdf(profile: NumberColumnProfile): (x: number) => number {
  const points = profile.quantiles;
  return (x: number) => {
    if (points.length === 0) return Number.NaN;
    if (x < points[0]!.value) return 0;
    if (x >= points[points.length - 1]!.value) return 1;
    let j = 0;
    while (j + 1 < points.length && points[j + 1]!.value <= x) j++;
    const low = points[j]!;
    const high = points[j + 1]!;
    return low.q + ((high.q - low.q) * (x - low.value)) / (high.value - low.value);
  };
}

/**
 * The share of `after`'s values in each of `before`'s histogram bins (the first bin open to
 * the left, the last to the right, as `binCounts` assigns values outside the edges).
 */
export function sharesInBins(edges: readonly number[], cdf: (x: number) => number): number[] {
  const bins = edges.length - 1;
  const shares: number[] = [];
  for (let bin = 0; bin < bins; bin++) {
    const low = bin === 0 ? 0 : cdf(edges[bin]!);
    const high = bin === bins - 1 ? 1 : cdf(edges[bin + 1]!);
    shares.push(Math.max(high - low, 0));
  }
  return shares;
}

/** sup |F_before(x) − F_after(x)| over both profiles' quantile points: the KS statistic of the two curves. */
export function profileKsStatistic(before: NumberColumnProfile, after: NumberColumnProfile): number {
  const cdfBefore = profileCdf(before);
  const cdfAfter = profileCdf(after);
  let statistic = 0;
  for (const { value } of [...before.quantiles, ...after.quantiles]) {
    statistic = Math.max(statistic, Math.abs(cdfBefore(value) - cdfAfter(value)));
  }
  return statistic;
}

/** Counts per category of two string profiles over the union of their top values, plus one "other" bucket. */
export function categoryCounts(before: StringColumnProfile, after: StringColumnProfile): { categories: string[]; before: number[]; after: number[] } {
  const categories = [...new Set([...before.top.map((entry) => entry.value), ...after.top.map((entry) => entry.value)])].sort();
  const countsOf = (profile: StringColumnProfile) => {
    const top = new Map(profile.top.map((entry) => [entry.value, entry.count]));
    return [...categories.map((category) => top.get(category) ?? 0), profile.otherCount];
  };
  return { categories, before: countsOf(before), after: countsOf(after) };
}
