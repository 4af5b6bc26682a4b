import { sha256OfBytes } from './hash';
import { SeededRandom } from './seeded-random';
import { stableStringify } from './stable-json';
import type { SweepConfig, SweepRange } from './sweep-config';

/** One point of a sweep: the settings it changes (dotted path → value) and its id. */
export interface SweepPoint {
  /** First 10 hex digits of the sha256 of the point's canonical JSON: the same values, the same id, whatever the order. */
  readonly id: string;
  readonly values: Readonly<Record<string, unknown>>;
}

/** Significant digits of a drawn number, so a point reads well and its JSON (its id) is the same everywhere. */
const DRAWN_DIGITS = 6;

/** The point with these values: its id comes from the canonical (key-sorted) JSON of the values alone. */
export function sweepPoint(values: Record<string, unknown>): SweepPoint {
  return { id: sha256OfBytes(stableStringify(values)).slice(0, 10), values };
}

/**
 * Every point of a sweep, each once, in canonical order (by canonical JSON of the values):
 * the grid's combinations, times each random draw. Reordering the grid's keys or values
 * gives the same points in the same order; adding a value or raising `random.points` only
 * adds points (draws are sequential, settings drawn in sorted order).
 */
export function expandSweep(sweep: SweepConfig): SweepPoint[] {
  const grid = gridPoints(sweep.grid ?? {});
  const draws = sweep.random ? randomPoints(sweep.random) : [{}];
  const points = new Map<string, SweepPoint>();
  for (const gridValues of grid) {
    for (const drawn of draws) {
      const point = sweepPoint(sortKeys({ ...gridValues, ...drawn }));
      points.set(point.id, point);
    }
  }
  return [...points.values()].sort(compareSweepPoints);
}

/** Canonical order of points: by the canonical JSON of their values (the tie-break of a selection). */
export function compareSweepPoints(a: SweepPoint, b: SweepPoint): number {
  const left = stableStringify(a.values);
  const right = stableStringify(b.values);
  return left < right ? -1 : left > right ? 1 : 0;
}

function gridPoints(grid: Readonly<Record<string, readonly unknown[]>>): Record<string, unknown>[] {
  let points: Record<string, unknown>[] = [{}];
  for (const path of Object.keys(grid).sort()) {
    points = points.flatMap((point) => grid[path]!.map((value) => ({ ...point, [path]: value })));
  }
  return points;
}

function randomPoints(random: NonNullable<SweepConfig['random']>): Record<string, unknown>[] {
  const rng = new SeededRandom(random.seed);
  const paths = Object.keys(random.space).sort();
  const points: Record<string, unknown>[] = [];
  for (let i = 0; i < random.points; i++) {
    const point: Record<string, unknown> = {};
    for (const path of paths) point[path] = drawValue(random.space[path]!, rng);
    points.push(point);
  }
  return points;
}

function drawValue(space: readonly unknown[] | SweepRange, rng: SeededRandom): unknown {
  const u = rng.nextFloat();
  if (Array.isArray(space)) return space[Math.min(space.length - 1, Math.floor(u * space.length))];
  const range = space as SweepRange;
  if (range.integer) {
    const low = Math.ceil(range.min);
    const high = Math.floor(range.max);
    if (range.scale === 'log') return Math.min(high, Math.max(low, Math.round(Math.exp(Math.log(low) + u * (Math.log(high) - Math.log(low))))));
    return Math.min(high, low + Math.floor(u * (high - low + 1)));
  }
  const value =
    range.scale === 'log' ? Math.exp(Math.log(range.min) + u * (Math.log(range.max) - Math.log(range.min))) : range.min + u * (range.max - range.min);
  return Number(value.toPrecision(DRAWN_DIGITS));
}

function sortKeys(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * A stage file's raw config with the point's settings written in (dotted paths create the
 * objects they go through) and without `sweep`: what the point's project trains with.
 */
export function applySweepPoint(raw: Readonly<Record<string, unknown>>, point: SweepPoint): Record<string, unknown> {
  const { sweep: _sweep, ...base } = structuredClone(raw) as Record<string, unknown>;
  for (const [path, value] of Object.entries(point.values)) {
    const keys = path.split('.');
    let target = base;
    for (const key of keys.slice(0, -1)) {
      const next = target[key];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[keys.at(-1)!] = structuredClone(value);
  }
  return base;
}

/** `model.maxDepth=3, model.learningRate=0.1`: a point's values for people. */
export function describeSweepPoint(point: SweepPoint): string {
  return Object.entries(point.values)
    .map(([path, value]) => `${path}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}
