import { classValues, MODEL_OUTPUTS, type ModelSignature, type Predictions, predictionLabel, predictionRecord } from '@reproml/onnx';

/** Which model version answered: every response says so. */
export interface Answering {
  name: string;
  version: number;
  fingerprint: string;
  signature: ModelSignature;
}

/** The JSON-rows response: one record per row with the predict stage's prediction columns. */
export function rowsResponse(model: Answering, predictions: Predictions) {
  const records = Array.from({ length: predictions.rows }, (_, row) => predictionRecord(model.signature, predictions, row));
  return { model: model.name, version: model.version, fingerprint: model.fingerprint, predictions: records };
}

/**
 * The OIP outputs of a model: `label` (the classes as the data wrote them: BYTES, or INT64/FP64
 * for number classes; FP32 predictions for regression) and, for classifiers, `probabilities` [N, C].
 */
export function outputNames(signature: ModelSignature): string[] {
  return signature.classes ? [MODEL_OUTPUTS.label, MODEL_OUTPUTS.probabilities] : [MODEL_OUTPUTS.label];
}

export function outputMetadata(signature: ModelSignature) {
  const classes = signature.classes?.length ?? 0;
  return outputNames(signature).map((name) =>
    name === MODEL_OUTPUTS.label ? { name, datatype: labelDatatype(signature), shape: [-1] } : { name, datatype: 'FP32', shape: [-1, classes] },
  );
}

/** The OIP v2 inference response. */
export function inferResponse(model: Answering, predictions: Predictions, request: { id?: string; outputs?: string[] }) {
  const wanted = request.outputs ?? outputNames(model.signature);
  const { classes } = model.signature;
  const outputs = wanted.map((name) => {
    if (name === MODEL_OUTPUTS.probabilities) {
      return { name, datatype: 'FP32', shape: [predictions.rows, classes!.length], data: Array.from(predictions.probabilities!) };
    }
    const data = Array.from(predictions.label, (value) => predictionLabel(model.signature, value));
    return { name, datatype: labelDatatype(model.signature), shape: [predictions.rows], data };
  });
  return {
    model_name: model.name,
    model_version: String(model.version),
    ...(request.id !== undefined ? { id: request.id } : {}),
    parameters: { fingerprint: model.fingerprint },
    outputs,
  };
}

/** The OIP datatype of `label`: what model.onnx's own `label` output holds. */
export function labelDatatype(signature: Pick<ModelSignature, 'classes' | 'classKind'>): string {
  if (!signature.classes) return 'FP32';
  if (signature.classKind !== 'number') return 'BYTES';
  return classValues(signature.classes, 'number').type === 'int64' ? 'INT64' : 'FP64';
}
