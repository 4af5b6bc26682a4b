import { attr, buildModel, GraphBuilder, onnxDataType, serializeModel } from '@reproml/onnx';
import type { RawInput } from '@reproml/onnx/contracts';
import type { FittedNumberColumn, FittedStringColumn, FittedTransform } from './fitted-transform';

/** Name of the single output of preprocess.onnx (the contract with the train stage). */
export const FEATURES_OUTPUT = 'features';

/**
 * Value a string is mapped to when it is missing with no imputation, or not a category:
 * no category can be the empty string, so the OneHotEncoder treats it as unseen.
 */
const UNSEEN = '';

/**
 * The fitted transform as an ONNX graph (opset 17, ai.onnx.ml 3): one [N, 1] input per raw
 * column (tensor(float) with NaN = missing, or tensor(string) with "" = missing), one
 * output `features` tensor(float) [N, F] in featureNames order.
 *
 * number column: Cast to float64 → Where(IsNaN, fitted value) → (x - offset) * scale → Cast to float32
 * string column: LabelEncoder (missing markers → fitted fill value) → OneHotEncoder
 *                (zeros=1 for unseen "ignore", 0 makes unseen values fail like in TypeScript)
 *                → Reshape [N, K]; ordinal adds a MatMul with the codes.
 */
export function transformGraph(transform: FittedTransform): ReturnType<GraphBuilder['build']> {
  const g = new GraphBuilder('preprocess');
  const parts: string[] = [];
  transform.columns.forEach((column, index) => {
    const input = transform.rawInputs[index]!;
    g.input({ name: input.onnxName, type: input.kind === 'number' ? 'float32' : 'string', shape: ['N', 1], docString: input.name });
    parts.push(column.kind === 'number' ? numberPart(g, input, column) : stringPart(g, input, column));
  });
  const width = transform.featureNames.length;
  if (parts.length === 1) g.opTo(FEATURES_OUTPUT, 'Identity', parts);
  else g.opTo(FEATURES_OUTPUT, 'Concat', parts, { axis: attr.int(1) });
  g.output({ name: FEATURES_OUTPUT, type: 'float32', shape: ['N', width], docString: transform.featureNames.join('\n') });
  return g.build(`ReproML preprocess: ${transform.featureNames.length} features from ${transform.rawInputs.length} raw inputs`);
}

/** The serialized model, with feature names and raw inputs in its metadata for whoever loads it. */
export function exportTransformOnnx(transform: FittedTransform): Uint8Array {
  return serializeModel(
    buildModel({
      graph: transformGraph(transform),
      metadata: {
        'reproml.featureNames': JSON.stringify(transform.featureNames),
        'reproml.rawInputs': JSON.stringify(transform.rawInputs),
        'reproml.transformVersion': String(transform.schemaVersion),
      },
    }),
  );
}

const column = (width: number) => ({ type: 'float32', shape: ['N', width] }) as const;

function numberPart(g: GraphBuilder, input: RawInput, fitted: FittedNumberColumn): string {
  if (!fitted.impute && !fitted.scale) return input.onnxName;
  // Computed in float64 with float64 constants and rounded to float32 once at the end, so the
  // only difference from the TypeScript transform is the float32 input itself (the ai.onnx.ml
  // Imputer and Scaler keep their parameters in float32, which adds up to ~5e-7 more on penguins).
  let value = g.op('Cast', [input.onnxName], { to: attr.int(onnxDataType('float64')) });
  if (fitted.impute) {
    const fill = g.constant({ type: 'float64', dims: [1, 1], values: [fitted.impute.value], hint: 'impute_value' });
    value = g.op('Where', [g.op('IsNaN', [value]), fill, value]);
  }
  if (fitted.scale) {
    const offset = g.constant({ type: 'float64', dims: [1, 1], values: [fitted.scale.offset], hint: 'scale_offset' });
    const scale = g.constant({ type: 'float64', dims: [1, 1], values: [fitted.scale.scale], hint: 'scale_factor' });
    value = g.op('Mul', [g.op('Sub', [value, offset]), scale]);
  }
  const out = g.op('Cast', [value], { to: attr.int(onnxDataType('float32')) });
  g.valueInfo({ name: out, ...column(1) });
  return out;
}

function stringPart(g: GraphBuilder, input: RawInput, fitted: FittedStringColumn): string {
  const { encode } = fitted;
  let value = input.onnxName;
  const markers = ['', ...fitted.missingValues.filter((marker) => marker !== '')];
  if (fitted.impute || fitted.missingValues.length) {
    // Categories map to themselves, missing markers to the fill value (or to unseen), anything else to unseen.
    const markerSet = new Set(markers);
    const keys = [...encode.categories.filter((category) => !markerSet.has(category)), ...markers];
    const fill = fitted.impute?.value ?? UNSEEN;
    const values = keys.map((key) => (markerSet.has(key) ? fill : key));
    value = g.mlOp(
      'LabelEncoder',
      [value],
      { keys_strings: keys, values_strings: values, default_string: attr.string(UNSEEN) },
      { type: 'string', shape: ['N', 1] },
    );
  }
  const width = encode.categories.length;
  const onehot3d = g.mlOp(
    'OneHotEncoder',
    [value],
    { cats_strings: encode.categories, zeros: attr.int(encode.unseen === 'ignore' ? 1 : 0) },
    { type: 'float32', shape: ['N', 1, width] },
  );
  const onehot = g.op('Reshape', [onehot3d, g.int64s([-1, width], 'onehot_shape')]);
  g.valueInfo({ name: onehot, ...column(width) });
  if (encode.method === 'onehot') return onehot;
  // ordinal = onehot · (k - u) + u: code k for category k, u (unknownValue) for an all-zero row.
  const u = encode.unknownValue ?? -1;
  const codes = g.constant({ type: 'float32', dims: [width, 1], values: encode.categories.map((_, k) => k - u), hint: 'ordinal_codes' });
  const shifted = g.op('MatMul', [onehot, codes]);
  return g.op('Add', [shifted, g.constant({ type: 'float32', dims: [1, 1], values: [u], hint: 'ordinal_unknown' })]);
}
