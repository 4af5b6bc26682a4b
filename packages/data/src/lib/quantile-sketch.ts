/** Values one level of a sketch holds before it is compacted (even). A column with at most this many values is kept whole. */
export const SKETCH_LEVEL_CAPACITY = 1 << 15;

/** The sketch's items in value order: item i stands for `weights[i]` values equal to `values[i]`. */
export interface WeightedValues {
  values: Float64Array;
  weights: Float64Array;
  /** Sum of the weights: the number of values added. */
  total: number;
}

/**
 * A deterministic, bounded quantile sketch (a compactor stack, as in Manku–Rajagopalan–Lindsay
 * and KLL without the random offsets). Values go into level 0; a level that reaches
 * `capacity` values is sorted and every other value (offset alternating 0, 1, 0, … per
 * level) moves up one level with twice the weight. So memory is at most `capacity` values per
 * level, ⌈log2(n / capacity)⌉ + 1 levels, and the same values in the same order always give
 * the same sketch.
 *
 * Error: one compaction of values of weight w moves the estimated rank of any point by at most
 * w, so the estimated rank of any point is off by at most the sum of the weights of all
 * compactions (`rankErrorBound`), ≤ n · levels / capacity. Until the first compaction the
 * sketch holds every value and is exact.
 */
export class QuantileSketch {
  private readonly levels: Float64Array[];
  private readonly fill: number[] = [0];
  private readonly compactions: number[] = [0];
  private count = 0;

  constructor(private readonly capacity = SKETCH_LEVEL_CAPACITY) {
    if (capacity < 2 || capacity % 2 !== 0) throw new Error(`sketch capacity must be even and at least 2, got ${capacity}`);
    this.levels = [new Float64Array(Math.min(64, capacity))];
  }

  /** Number of values added. */
  get size(): number {
    return this.count;
  }

  /** Whether the sketch still holds every value added. */
  get exact(): boolean {
    return this.levels.length === 1;
  }

  /** Upper bound on |estimated − true| rank of any point, in values (0 while exact). */
  get rankErrorBound(): number {
    let bound = 0;
    for (let level = 0; level < this.compactions.length; level++) bound += this.compactions[level]! * 2 ** level;
    return bound;
  }

  add(value: number): void {
    this.count++;
    this.push(0, value);
  }

  /** While exact: the values added, sorted ascending (a copy). */
  sortedValues(): Float64Array {
    if (!this.exact) throw new Error('the sketch no longer holds every value');
    return this.levels[0]!.slice(0, this.fill[0]!).sort();
  }

  /** Every item with its weight, in value order. */
  weighted(): WeightedValues {
    // Level 0 is unsorted; every higher level holds at most one sorted run (see `compact`).
    let values: Float64Array = this.levels[0]!.slice(0, this.fill[0]!).sort();
    let weights: Float64Array = new Float64Array(values.length).fill(1);
    for (let level = 1; level < this.levels.length; level++) {
      const run = this.levels[level]!.subarray(0, this.fill[level]!);
      [values, weights] = mergeRun(values, weights, run, 2 ** level);
    }
    return { values, weights, total: this.count };
  }

  private push(level: number, value: number): void {
    let values = this.levels[level]!;
    const fill = this.fill[level]!;
    if (fill === values.length) {
      values = grown(values, Math.min(values.length * 2, this.capacity));
      this.levels[level] = values;
    }
    values[fill] = value;
    this.fill[level] = fill + 1;
    if (fill + 1 === this.capacity) this.compact(level);
  }

  /**
   * Sorts a full level and moves every other value up a level (offset alternating per
   * compaction). Levels above 0 receive exactly two sorted runs of capacity / 2 between their
   * compactions, so they are merged rather than sorted.
   */
  private compact(level: number): void {
    if (level + 1 === this.levels.length) {
      this.levels.push(new Float64Array(Math.min(64, this.capacity)));
      this.fill.push(0);
      this.compactions.push(0);
    }
    const full = this.levels[level]!.subarray(0, this.capacity);
    let sorted: Float64Array;
    if (level === 0) sorted = full.sort();
    else {
      this.scratch ??= new Float64Array(this.capacity);
      sorted = mergeHalves(full, this.scratch);
    }
    const offset = this.compactions[level]! % 2;
    this.compactions[level]!++;
    // The level is empty before its survivors move up, so a compaction above cannot reach back into it; the level
    // above fills (and merges into the shared scratch) only on the last survivor, after the last read of `sorted`.
    this.fill[level] = 0;
    for (let i = offset; i < this.capacity; i += 2) this.push(level + 1, sorted[i]!);
  }

  private scratch: Float64Array | undefined;
}

/** The two sorted halves of `full` merged into `target`. */
function mergeHalves(full: Float64Array, target: Float64Array): Float64Array {
  const half = full.length >> 1;
  let i = 0;
  let j = half;
  let k = 0;
  while (i < half && j < full.length) target[k++] = full[j]! < full[i]! ? full[j++]! : full[i++]!;
  while (i < half) target[k++] = full[i++]!;
  while (j < full.length) target[k++] = full[j++]!;
  return target;
}

/** Sorted items merged with a sorted run of equal weights (ties: the items first). */
function mergeRun(values: Float64Array, weights: Float64Array, run: Float64Array, weight: number): [Float64Array, Float64Array] {
  const length = values.length + run.length;
  const mergedValues = new Float64Array(length);
  const mergedWeights = new Float64Array(length);
  let i = 0;
  let j = 0;
  for (let k = 0; k < length; k++) {
    if (j >= run.length || (i < values.length && values[i]! <= run[j]!)) {
      mergedValues[k] = values[i]!;
      mergedWeights[k] = weights[i++]!;
    } else {
      mergedValues[k] = run[j++]!;
      mergedWeights[k] = weight;
    }
  }
  return [mergedValues, mergedWeights];
}

function grown(values: Float64Array, length: number): Float64Array {
  const bigger = new Float64Array(length);
  bigger.set(values);
  return bigger;
}

/**
 * The value at 0-based rank `rank` of a weighted list in value order (the item whose
 * cumulative weight covers it). `cumulative[i]` is the weight of items before i.
 */
function valueAtRank(items: WeightedValues, cumulative: Float64Array, rank: number): number {
  let low = 0;
  let high = items.values.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (cumulative[mid]! <= rank) low = mid;
    else high = mid - 1;
  }
  return items.values[low]!;
}

/** Cumulative weights before each item. */
export function cumulativeWeights(items: WeightedValues): Float64Array {
  const cumulative = new Float64Array(items.values.length);
  let total = 0;
  for (let i = 0; i < items.values.length; i++) {
    cumulative[i] = total;
    total += items.weights[i]!;
  }
  return cumulative;
}

/**
 * Quantile `q` of weighted items: linear interpolation between closest ranks (numpy's default),
 * as `quantileOfSorted` computes it on every value; with unit weights the two agree.
 */
export function weightedQuantile(items: WeightedValues, cumulative: Float64Array, q: number): number {
  const position = (items.total - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, items.total - 1);
  const low = valueAtRank(items, cumulative, below);
  const high = valueAtRank(items, cumulative, above);
  return low + (high - low) * (position - below);
}
