import type { RegressionMetrics } from '../contracts/metrics-document';

export function regressionMetrics(params: { truth: ArrayLike<number>; predicted: ArrayLike<number> }): RegressionMetrics {
  const { truth, predicted } = params;
  const rows = truth.length;
  if (predicted.length !== rows) throw new TypeError(`metrics need ${rows} predictions, got ${predicted.length}`);
  if (rows === 0) throw new TypeError('metrics need at least one row');
  let mean = 0;
  for (let row = 0; row < rows; row++) mean += truth[row]!;
  mean /= rows;
  let squared = 0;
  let absolute = 0;
  let total = 0;
  for (let row = 0; row < rows; row++) {
    const error = predicted[row]! - truth[row]!;
    squared += error * error;
    absolute += Math.abs(error);
    total += (truth[row]! - mean) ** 2;
  }
  const r2 = total === 0 ? (squared === 0 ? 1 : 0) : 1 - squared / total;
  return { rows, rmse: Math.sqrt(squared / rows), mae: absolute / rows, r2 };
}
