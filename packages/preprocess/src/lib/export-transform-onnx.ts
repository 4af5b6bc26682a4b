import { attr, buildModel, DEFAULT_OPSETS, GraphBuilder, OPSET_AI_ONNX, type OpsetImport, onnxDataType, serializeModel } from '@reproml/onnx';
import type { RawInput } from '@reproml/onnx/contracts';
import { DATE_PARSING_OPSET, dateFeatureTensors } from './export-date-graph';
import type { FittedDateColumn, FittedNumberColumn, FittedStringColumn, FittedTransform } from './fitted-transform';

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
 * date column:   StringSplit at the format's separators → Cast to float64 → whole-number
 *                formulas per feature (export-date-graph.ts; opset 20) → as a number column
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
    if (column.kind === 'number') parts.push(numberPart(g, input, column));
    else if (column.kind === 'date') parts.push(...dateParts(g, input, column));
    else parts.push(stringPart(g, input, column));
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
      opsets: transformOpsets(transform),
      metadata: {
        'reproml.featureNames': JSON.stringify(transform.featureNames),
        'reproml.rawInputs': JSON.stringify(transform.rawInputs),
        'reproml.transformVersion': String(transform.schemaVersion),
      },
    }),
  );
}

/** The default opsets, with ai.onnx raised to DATE_PARSING_OPSET when a date column is parsed (other graphs keep their bytes). */
export function transformOpsets(transform: FittedTransform): OpsetImport[] {
  if (!transform.columns.some((column) => column.kind === 'date')) return [...DEFAULT_OPSETS];
  return [...DEFAULT_OPSETS.filter((opset) => opset.domain !== ''), { domain: '', version: Math.max(DATE_PARSING_OPSET, OPSET_AI_ONNX) }];
}

const column = (width: number) => ({ type: 'float32', shape: ['N', width] }) as const;

function numberPart(g: GraphBuilder, input: RawInput, fitted: FittedNumberColumn): string {
  if (!fitted.impute && !fitted.scale) return input.onnxName;
  // Computed in float64 with float64 constants and rounded to float32 once at the end, so the
  // only difference from the TypeScript transform is the float32 input itself (the ai.onnx.ml
  // Imputer and Scaler keep their parameters in float32, which adds up to ~5e-7 more on penguins).
  return imputeAndScale(g, g.op('Cast', [input.onnxName], { to: attr.int(onnxDataType('float64')) }), fitted);
}

/** Each feature of a date column: parsed from the string input, then imputed and scaled like a number column. */
function dateParts(g: GraphBuilder, input: RawInput, fitted: FittedDateColumn): string[] {
  const tensors = dateFeatureTensors(g, input, fitted);
  return fitted.features.map((feature, i) => imputeAndScale(g, tensors[i]!.value, feature));
}

/** A float64 [N, 1] tensor imputed and scaled with the fitted statistics, as float32. */
function imputeAndScale(g: GraphBuilder, input: string, fitted: Pick<FittedNumberColumn, 'impute' | 'scale'>): string {
  let value = input;
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
