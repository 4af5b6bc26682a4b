import { z } from 'zod';
import { ConfigError, didYouMean, ReproError } from '@reproml/core';

const COMPARATORS = ['>=', '<=', '>', '<', '=='] as const;
type Comparator = (typeof COMPARATORS)[number];

/** `">= 0.95"`, or the structured form `{ "min": 0.95 }` / `{ "max": 0.3 }` (bounds inclusive). */
export const thresholdSchema = z.union([
  z.string().regex(/^\s*(>=|<=|>|<|==)\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/, 'should look like ">= 0.95" (one of >=, <=, >, <, == and a number)'),
  z
    .object({ min: z.number().optional(), max: z.number().optional() })
    .strict()
    .refine((value) => value.min !== undefined || value.max !== undefined, 'should have "min", "max" or both'),
]);
export type Threshold = z.infer<typeof thresholdSchema>;

export class ThresholdError extends ReproError {
  override name = 'ThresholdError';
  override readonly code = 'THRESHOLD_UNMET';
}

interface Condition {
  comparator: Comparator;
  bound: number;
}

function conditions(threshold: Threshold): Condition[] {
  if (typeof threshold === 'string') {
    const match = /^\s*(>=|<=|>|<|==)\s*(\S+)\s*$/.exec(threshold)!;
    return [{ comparator: match[1] as Comparator, bound: Number(match[2]) }];
  }
  return [
    ...(threshold.min !== undefined ? [{ comparator: '>=' as const, bound: threshold.min }] : []),
    ...(threshold.max !== undefined ? [{ comparator: '<=' as const, bound: threshold.max }] : []),
  ];
}

function holds(value: number, { comparator, bound }: Condition): boolean {
  switch (comparator) {
    case '>=': return value >= bound;
    case '<=': return value <= bound;
    case '>': return value > bound;
    case '<': return value < bound;
    case '==': return value === bound;
  }
}

/** The metric names a threshold may use, for a task. */
export const THRESHOLD_METRICS = {
  classification: ['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'logLoss'],
  regression: ['rmse', 'mae', 'r2'],
} as const;

/** Checks every threshold; one error lists every unmet one with its value. */
export function checkThresholds(params: {
  thresholds: Readonly<Record<string, Threshold>>;
  metrics: Readonly<Record<string, unknown>>;
  task: keyof typeof THRESHOLD_METRICS;
  file?: string;
}): void {
  const known: readonly string[] = THRESHOLD_METRICS[params.task];
  const failures: string[] = [];
  for (const [name, threshold] of Object.entries(params.thresholds)) {
    if (!known.includes(name)) {
      throw new ConfigError(`unknown metric '${name}' in thresholds${didYouMean(name, known)}`, {
        file: params.file,
        field: `thresholds.${name}`,
        hint: `Metrics of a ${params.task} model: ${known.join(', ')}.`,
      });
    }
    const value = params.metrics[name];
    for (const condition of conditions(threshold)) {
      if (typeof value !== 'number' || !holds(value, condition)) {
        failures.push(`${name} ${typeof value === 'number' ? formatMetric(value) : 'n/a'} is not ${condition.comparator} ${condition.bound}`);
      }
    }
  }
  if (failures.length > 0) {
    throw new ThresholdError(`model below threshold: ${failures.join('; ')}`, {
      file: params.file,
      field: 'thresholds',
      hint: 'Improve the model (features, hyper-parameters) or revisit the threshold in the evaluate stage file.',
    });
  }
}

export function formatMetric(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}
