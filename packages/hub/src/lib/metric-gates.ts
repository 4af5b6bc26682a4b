import { z } from 'zod';
import { ReproError } from '@reproml/core';

const COMPARATORS = ['>=', '<=', '>', '<', '=='] as const;
type Comparator = (typeof COMPARATORS)[number];

/**
 * One gate on one metric: `">= 0.95"`, or `{ "min": 0.95 }` / `{ "max": 0.3 }` (bounds
 * inclusive). The same syntax as the evaluate stage's thresholds; kept here so that the
 * registry (and the CLI that promotes) need no ONNX runtime.
 */
export const metricGateSchema = z.union([
  z.string().regex(/^\s*(>=|<=|>|<|==)\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/, 'should look like ">= 0.95" (one of >=, <=, >, <, == and a number)'),
  z
    .object({ min: z.number().optional(), max: z.number().optional() })
    .strict()
    .refine((value) => value.min !== undefined || value.max !== undefined, 'should have "min", "max" or both'),
]);
export type MetricGate = z.infer<typeof metricGateSchema>;

/** Gates per alias: `{ "production": { "accuracy": ">= 0.95" } }`. */
export const promotionGatesSchema = z.record(z.string(), z.record(z.string(), metricGateSchema));
export type PromotionGates = z.infer<typeof promotionGatesSchema>;

export interface GateResult {
  metric: string;
  condition: string;
  value: number | null;
  passed: boolean;
}

export class GateError extends ReproError {
  override name = 'GateError';
  override readonly code = 'GATE_FAILED';
}

function conditions(gate: MetricGate): { comparator: Comparator; bound: number }[] {
  if (typeof gate === 'string') {
    const match = /^\s*(>=|<=|>|<|==)\s*(\S+)\s*$/.exec(gate)!;
    return [{ comparator: match[1] as Comparator, bound: Number(match[2]) }];
  }
  return [
    ...(gate.min !== undefined ? [{ comparator: '>=' as const, bound: gate.min }] : []),
    ...(gate.max !== undefined ? [{ comparator: '<=' as const, bound: gate.max }] : []),
  ];
}

function holds(value: number, comparator: Comparator, bound: number): boolean {
  switch (comparator) {
    case '>=': return value >= bound;
    case '<=': return value <= bound;
    case '>': return value > bound;
    case '<': return value < bound;
    case '==': return value === bound;
  }
}

/** Every condition of every gate against the metrics; a missing metric fails its gate. */
export function evaluateGates(gates: Readonly<Record<string, MetricGate>>, metrics: Readonly<Record<string, number>>): GateResult[] {
  const results: GateResult[] = [];
  for (const metric of Object.keys(gates).sort()) {
    const value = metrics[metric];
    for (const { comparator, bound } of conditions(gates[metric]!)) {
      const known = typeof value === 'number' && Number.isFinite(value);
      results.push({ metric, condition: `${comparator} ${bound}`, value: known ? value : null, passed: known && holds(value, comparator, bound) });
    }
  }
  return results;
}

export function describeGateFailures(results: readonly GateResult[]): string {
  return results
    .filter((result) => !result.passed)
    .map((result) => `${result.metric} ${result.value === null ? 'is missing' : `${result.value} is not ${result.condition}`}`)
    .join('; ');
}
