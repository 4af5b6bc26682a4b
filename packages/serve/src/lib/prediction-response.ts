import { MODEL_OUTPUTS, type ModelSignature, type Predictions, predictionRecord } from '@reproml/onnx';

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

/** The OIP outputs of a model: `label` (class names as BYTES, or FP32 values) and, for classifiers, `probabilities` [N, C]. */
export function outputNames(signature: ModelSignature): string[] {
  return signature.classes ? [MODEL_OUTPUTS.label, MODEL_OUTPUTS.probabilities] : [MODEL_OUTPUTS.label];
}

export function outputMetadata(signature: ModelSignature) {
  const classes = signature.classes?.length ?? 0;
  return outputNames(signature).map((name) =>
    name === MODEL_OUTPUTS.label ? { name, datatype: signature.classes ? 'BYTES' : 'FP32', shape: [-1] } : { name, datatype: 'FP32', shape: [-1, classes] },
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
    const data = classes ? Array.from(predictions.label, (id) => classes[id] ?? String(id)) : Array.from(predictions.label);
    return { name, datatype: classes ? 'BYTES' : 'FP32', shape: [predictions.rows], data };
  });
  return {
    model_name: model.name,
    model_version: String(model.version),
    ...(request.id !== undefined ? { id: request.id } : {}),
    parameters: { fingerprint: model.fingerprint },
    outputs,
  };
}
