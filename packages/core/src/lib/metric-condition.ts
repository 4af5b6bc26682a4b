import { z } from 'zod';

const COMPARATORS = ['>=', '<=', '>', '<', '=='] as const;
type Comparator = (typeof COMPARATORS)[number];

/**
 * A condition on one metric, shared by evaluate thresholds and registry promotion gates:
 * `">= 0.95"`, or the structured form `{ "min": 0.95 }` / `{ "max": 0.3 }` (bounds inclusive).
 */
export const metricConditionSchema = z.union([
  z.string().regex(/^\s*(>=|<=|>|<|==)\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/, 'should look like ">= 0.95" (one of >=, <=, >, <, == and a number)'),
  z
    .object({ min: z.number().optional(), max: z.number().optional() })
    .strict()
    .refine((value) => value.min !== undefined || value.max !== undefined, 'should have "min", "max" or both'),
]);
export type MetricCondition = z.infer<typeof metricConditionSchema>;

/** The outcome of one comparison of one metric. */
export interface MetricCheck {
  metric: string;
  /** e.g. `>= 0.95` */
  condition: string;
  /** The metric's value, null when the metrics do not have it (a missing metric fails). */
  value: number | null;
  passed: boolean;
}

interface Bound {
  comparator: Comparator;
  bound: number;
}

function bounds(condition: MetricCondition): Bound[] {
  if (typeof condition === 'string') {
    const match = /^\s*(>=|<=|>|<|==)\s*(\S+)\s*$/.exec(condition)!;
    return [{ comparator: match[1] as Comparator, bound: Number(match[2]) }];
  }
  return [
    ...(condition.min !== undefined ? [{ comparator: '>=' as const, bound: condition.min }] : []),
    ...(condition.max !== undefined ? [{ comparator: '<=' as const, bound: condition.max }] : []),
  ];
}

function holds(value: number, { comparator, bound }: Bound): boolean {
  switch (comparator) {
    case '>=':
      return value >= bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '<':
      return value < bound;
    case '==':
      return value === bound;
  }
}

/** Every bound of every condition against the metrics, metrics in name order. */
export function checkMetricConditions(conditions: Readonly<Record<string, MetricCondition>>, metrics: Readonly<Record<string, unknown>>): MetricCheck[] {
  const checks: MetricCheck[] = [];
  for (const metric of Object.keys(conditions).sort()) {
    const raw = metrics[metric];
    const value = typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
    for (const bound of bounds(conditions[metric]!)) {
      checks.push({ metric, condition: `${bound.comparator} ${bound.bound}`, value, passed: value !== null && holds(value, bound) });
    }
  }
  return checks;
}

/** `accuracy 0.9300 is not >= 0.95; f1 is missing` for the failed checks. */
export function describeFailedChecks(checks: readonly MetricCheck[]): string {
  return checks
    .filter((check) => !check.passed)
    .map((check) => (check.value === null ? `${check.metric} is missing` : `${check.metric} ${formatMetric(check.value)} is not ${check.condition}`))
    .join('; ');
}

export function formatMetric(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}
