import type { NumberColumnProfile } from './profile-document';
import { cumulativeWeights, QuantileSketch, type WeightedValues, weightedQuantile } from './quantile-sketch';

/** The quantiles every number profile lists. */
export const PROFILE_QUANTILES = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1];
/** Number histograms use decile edges, so a drift check can bin new data the same way (PSI). */
export const HISTOGRAM_BINS = 10;

/**
 * A number column's profile, fed a window of values at a time (NaN = missing), in bounded
 * memory: count, nulls, min and max exactly; mean and variance in one pass (Welford); the
 * quantiles and decile histogram from a `QuantileSketch`. While the sketch holds every value
 * (at most SKETCH_LEVEL_CAPACITY present values) the profile is computed from the sorted
 * values exactly as before sketches existed (same figures, same bits).
 */
export class NumberColumnProfiler {
  private readonly sketch: QuantileSketch;
  private rows = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private mean = 0;
  /** Sum of squared deviations from the running mean (Welford). */
  private squares = 0;

  constructor(
    private readonly name: string,
    sketch = new QuantileSketch(),
  ) {
    this.sketch = sketch;
  }

  add(values: ArrayLike<number>, length = values.length): void {
    const sketch = this.sketch;
    let { min, max, mean, squares } = this;
    let count = sketch.size;
    for (let row = 0; row < length; row++) {
      const value = values[row]!;
      if (Number.isNaN(value)) continue;
      sketch.add(value);
      if (value < min) min = value;
      if (value > max) max = value;
      count++;
      const delta = value - mean;
      mean += delta / count;
      squares += delta * (value - mean);
    }
    this.min = min;
    this.max = max;
    this.mean = mean;
    this.squares = squares;
    this.rows += length;
  }

  profile(): NumberColumnProfile {
    const count = this.sketch.size;
    const nulls = this.rows - count;
    const base = { name: this.name, kind: 'number' as const, count, nulls, nullFraction: this.rows ? nulls / this.rows : 0 };
    if (count === 0) {
      return { ...base, min: null, max: null, mean: null, std: null, quantiles: [], histogram: { edges: [], counts: [] }, exact: true, rankError: 0 };
    }
    if (this.sketch.exact) return { ...base, ...exactFigures(this.sketch.sortedValues()), exact: true, rankError: 0 };
    const items = this.sketch.weighted();
    const cumulative = cumulativeWeights(items);
    // The sketch may have dropped the extremes; min and max are tracked exactly.
    const quantile = (q: number) => (q === 0 ? this.min : q === 1 ? this.max : weightedQuantile(items, cumulative, q));
    return {
      ...base,
      min: this.min,
      max: this.max,
      mean: this.mean,
      std: count > 1 ? Math.sqrt(this.squares / (count - 1)) : null,
      quantiles: PROFILE_QUANTILES.map((q) => ({ q, value: quantile(q) })),
      histogram: weightedHistogram(items, quantile),
      exact: false,
      rankError: this.sketch.rankErrorBound / count,
    };
  }
}

type Figures = Pick<NumberColumnProfile, 'min' | 'max' | 'mean' | 'std' | 'quantiles' | 'histogram'>;

/** Every figure from all present values, sorted ascending (two-pass mean and std). */
function exactFigures(present: Float64Array): Figures {
  const count = present.length;
  let sum = 0;
  for (const value of present) sum += value;
  const mean = sum / count;
  let squares = 0;
  for (const value of present) squares += (value - mean) ** 2;
  const quantile = (q: number) => quantileOfSorted(present, q);
  return {
    min: present[0]!,
    max: present[count - 1]!,
    mean,
    std: count > 1 ? Math.sqrt(squares / (count - 1)) : null,
    quantiles: PROFILE_QUANTILES.map((q) => ({ q, value: quantile(q) })),
    histogram: histogram(quantile, (edges) => binCounts(present, edges), count),
  };
}

/** Linear interpolation between closest ranks (numpy's default). */
export function quantileOfSorted(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

function weightedHistogram(items: WeightedValues, quantile: (q: number) => number): NumberColumnProfile['histogram'] {
  return histogram(quantile, (edges) => binCounts(items.values, edges, items.weights), items.total);
}

/** Decile edges (repeated ones merged) and the count in each bin. */
function histogram(quantile: (q: number) => number, count: (edges: number[]) => number[], total: number): NumberColumnProfile['histogram'] {
  const edges: number[] = [];
  for (let bin = 0; bin <= HISTOGRAM_BINS; bin++) {
    const edge = quantile(bin / HISTOGRAM_BINS);
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  if (edges.length === 1) return { edges: [edges[0]!, edges[0]!], counts: [total] };
  return { edges, counts: count(edges) };
}

/**
 * Counts of values per bin [edges[i], edges[i+1]), the last bin closed (values outside go to
 * the end bins). With `weights`, value i counts weights[i] times. Reusable by drift checks.
 */
export function binCounts(values: ArrayLike<number>, edges: readonly number[], weights?: ArrayLike<number>): number[] {
  const counts = new Array<number>(Math.max(edges.length - 1, 0)).fill(0);
  const last = counts.length - 1;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (Number.isNaN(value) || last < 0) continue;
    let low = 0;
    let high = last;
    // The bin whose left edge is the largest one ≤ value.
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (edges[mid]! <= value) low = mid;
      else high = mid - 1;
    }
    counts[low]! += weights ? weights[i]! : 1;
  }
  return counts;
}
