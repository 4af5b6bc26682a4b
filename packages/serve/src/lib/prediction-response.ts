import { classValues, MODEL_OUTPUTS, type ModelSignature, type Predictions, predictionColumnNames, predictionLabel, predictionRecord } from '@reproml/onnx';

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
 * `rowsResponse` as JSON text, exactly what `JSON.stringify(rowsResponse(…))` gives, built as one
 * string: no object per row, keys and class labels serialised once per loaded version. The
 * server sends this on every JSON-rows request (profiled: the response objects and their
 * stringify were the largest cost of a request beyond Node's own HTTP work).
 */
export function rowsResponseJson(model: Answering, predictions: Predictions): string {
  const form = rowsResponseForm(model);
  const classCount = form.probabilityKeys.length;
  let text = form.head;
  for (let row = 0; row < predictions.rows; row++) {
    text += row === 0 ? form.labelKey : `},${form.labelKey}`;
    text += labelJson(model, form, predictions.label[row]!);
    for (let c = 0; c < classCount; c++) text += form.probabilityKeys[c]! + jsonNumber(predictions.probabilities![row * classCount + c]!);
  }
  return predictions.rows === 0 ? `${text}]}` : `${text}}]}`;
}

interface RowsResponseForm {
  /** `{"model":…,"version":…,"fingerprint":…,"predictions":[` */
  head: string;
  /** `{"label":` */
  labelKey: string;
  /** `,"probability_<class>":` per class */
  probabilityKeys: string[];
  /** Each class id's label as JSON. */
  classLabels: string[];
}

const rowsResponseForms = new WeakMap<Answering, RowsResponseForm>();

function rowsResponseForm(model: Answering): RowsResponseForm {
  let form = rowsResponseForms.get(model);
  if (!form) {
    const [label, ...probabilities] = predictionColumnNames(model.signature);
    const envelope = JSON.stringify({ model: model.name, version: model.version, fingerprint: model.fingerprint });
    form = {
      head: `${envelope.slice(0, -1)},"predictions":[`,
      labelKey: `{${JSON.stringify(label)}:`,
      probabilityKeys: probabilities.map((name) => `,${JSON.stringify(name)}:`),
      classLabels: (model.signature.classes ?? []).map((_, id) => JSON.stringify(predictionLabel(model.signature, id))),
    };
    rowsResponseForms.set(model, form);
  }
  return form;
}

function labelJson(model: Answering, form: RowsResponseForm, value: number): string {
  if (!model.signature.classes) return jsonNumber(value);
  return form.classLabels[value] ?? JSON.stringify(predictionLabel(model.signature, value));
}

/** A number as JSON.stringify writes it (NaN and ±Infinity as null). */
const jsonNumber = (value: number): string => (Number.isFinite(value) ? String(value) : 'null');

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
