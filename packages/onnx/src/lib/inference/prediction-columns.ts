import type { ModelSignature } from '../graph/model-signature';
import type { Predictions } from './inference-runner';

/**
 * The prediction columns of a model, in order: `label` (the class name, or the predicted
 * value for regression), then `probability_<class>` per class. The predict stage writes them
 * as CSV, the server returns them per row: one contract, defined here.
 */
export const PREDICTED_LABEL_COLUMN = 'label';
export const probabilityColumn = (className: string): string => `probability_${className}`;

export function predictionColumnNames(signature: Pick<ModelSignature, 'classes'>): string[] {
  return [PREDICTED_LABEL_COLUMN, ...(signature.classes ?? []).map(probabilityColumn)];
}

/** The label of one row: its class (the data's value: text, or a number for a number target) or the predicted value (regression). */
export function predictionLabel(signature: Pick<ModelSignature, 'classes' | 'classKind'>, value: number): string | number {
  if (!signature.classes) return value;
  const name = signature.classes[value] ?? String(value);
  return signature.classKind === 'number' ? Number(name) : name;
}

/** One row's prediction columns as a record (numbers unrounded: float32 outputs widened to float64). */
export function predictionRecord(
  signature: Pick<ModelSignature, 'classes' | 'classKind'>,
  predictions: Predictions,
  row: number,
): Record<string, string | number> {
  const record: Record<string, string | number> = { [PREDICTED_LABEL_COLUMN]: predictionLabel(signature, predictions.label[row]!) };
  const classes = signature.classes ?? [];
  for (let c = 0; c < classes.length; c++) record[probabilityColumn(classes[c]!)] = predictions.probabilities![row * classes.length + c]!;
  return record;
}
