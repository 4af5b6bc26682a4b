import { type MetricCheck, type MetricCondition, metricConditionSchema, ReproError } from '@reproml/core';
import { z } from 'zod';

/**
 * One gate on one metric: the same condition syntax as the evaluate stage's thresholds
 * (`">= 0.95"`, `{ "min": 0.95 }`), from core, so the registry and the CLI that promotes
 * need no ONNX runtime.
 */
export const metricGateSchema = metricConditionSchema;
export type MetricGate = MetricCondition;

/** Gates per alias: `{ "production": { "accuracy": ">= 0.95" } }`. */
export const promotionGatesSchema = z.record(z.string(), z.record(z.string(), metricGateSchema));
export type PromotionGates = z.infer<typeof promotionGatesSchema>;

export type GateResult = MetricCheck;

export class GateError extends ReproError {
  override name = 'GateError';
  override readonly code = 'GATE_FAILED';
}
