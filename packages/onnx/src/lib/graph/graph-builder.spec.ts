import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { attr } from './attribute';
import { composeGraphs } from './compose-graphs';
import { GraphBuilder } from './graph-builder';
import { buildModel, decodeModel, modelMetadata, serializeModel } from './onnx-model';
import { checkWithPythonOnnx } from './python-onnx-checker';

/** A small preprocessing graph: impute + scale a number column, one-hot a string column, concat. */
function buildPreprocessGraph() {
  const g = new GraphBuilder('preprocess');
  g.input({ name: 'bill', type: 'float32', shape: ['N', 1] });
  g.input({ name: 'island', type: 'string', shape: ['N', 1] });
  const column = { type: 'float32', shape: ['N', 1] } as const;
  const imputed = g.mlOp('Imputer', ['bill'], { imputed_value_floats: attr.floats([40]), replaced_value_float: attr.float(NaN) }, column);
  const scaled = g.mlOp('Scaler', [imputed], { offset: attr.floats([40]), scale: attr.floats([0.5]) }, column);
  const onehot = g.mlOp('OneHotEncoder', ['island'], { cats_strings: ['Biscoe', 'Dream'], zeros: attr.int(1) }, { type: 'float32', shape: ['N', 1, 2] });
  const flat = g.op('Reshape', [onehot, g.int64s([-1, 2], 'onehot_shape')]);
  const features = g.op('Concat', [scaled, flat], { axis: attr.int(1) });
  g.opTo('features', 'Cast', [features], { to: attr.int(1) });
  g.output({ name: 'features', type: 'float32', shape: ['N', 3] });
  return g.build();
}

async function run(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return (await session.run(feeds)) as Record<string, ort.Tensor>;
  } finally {
    await session.release();
  }
}

const preprocessFeeds = () => ({
  bill: new ort.Tensor('float32', Float32Array.from([42, NaN, 38]), [3, 1]),
  island: new ort.Tensor('string', ['Dream', 'Biscoe', 'Torgersen'], [3, 1]),
});

describe('GraphBuilder', () => {
  it('builds ai.onnx.ml graphs that onnxruntime runs with the expected values', async () => {
    const bytes = serializeModel(buildModel({ graph: buildPreprocessGraph() }));
    const { features } = await run(bytes, preprocessFeeds());
    expect(features!.dims).toEqual([3, 3]);
    expect(Array.from(features!.data as Float32Array)).toEqual([1, 0, 1, 0, 1, 0, -1, 0, 0]);
  });

  it('gives byte-identical models for the same calls', () => {
    const one = serializeModel(buildModel({ graph: buildPreprocessGraph(), metadata: { b: '2', a: '1' } }));
    const two = serializeModel(buildModel({ graph: buildPreprocessGraph(), metadata: { a: '1', b: '2' } }));
    expect(Buffer.from(one).equals(Buffer.from(two))).toBe(true);
    expect(modelMetadata(decodeModel(one))).toEqual({ a: '1', b: '2' });
  });

  it('stores float64, int64 and string initializers exactly', async () => {
    const g = new GraphBuilder('constants');
    g.input({ name: 'x', type: 'float64', shape: ['N'] });
    const doubles = g.constant({ type: 'float64', dims: [2], values: [0.1, 1e-300] });
    const ints = g.constant({ type: 'int64', dims: [2], values: [2 ** 40 + 1, -3] });
    const strings = g.constant({ type: 'string', dims: [2], values: ['é', ''] });
    g.opTo('y', 'Add', ['x', doubles]);
    g.opTo('ints', 'Identity', [ints]);
    g.opTo('strings', 'Identity', [strings]);
    g.output({ name: 'y', type: 'float64', shape: [2] });
    g.output({ name: 'ints', type: 'int64', shape: [2] });
    g.output({ name: 'strings', type: 'string', shape: [2] });
    const out = await run(serializeModel(buildModel({ graph: g.build() })), {
      x: new ort.Tensor('float64', Float64Array.from([0, 0]), [2]),
    });
    expect(Array.from(out.y!.data as Float64Array)).toEqual([0.1, 1e-300]);
    expect(Array.from(out.ints!.data as BigInt64Array)).toEqual([2n ** 40n + 1n, -3n]);
    expect(out.strings!.data).toEqual(['é', '']);
  });

  it('builds Loop bodies as subgraphs', async () => {
    const g = new GraphBuilder('loop');
    g.input({ name: 'count', type: 'int64', shape: [] });
    g.input({ name: 'start', type: 'float32', shape: [1] });
    const body = g.subgraph('body');
    body.input({ name: 'i', type: 'int64', shape: [] });
    body.input({ name: 'cond_in', type: 'bool', shape: [] });
    body.input({ name: 'acc_in', type: 'float32', shape: [1] });
    body.opTo('cond_out', 'Identity', ['cond_in']);
    const step = body.op('Cast', ['i'], { to: attr.int(1) });
    body.opTo('acc_out', 'Add', ['acc_in', step]);
    body.output({ name: 'cond_out', type: 'bool', shape: [] });
    body.output({ name: 'acc_out', type: 'float32', shape: [1] });
    g.node({ opType: 'Loop', inputs: ['count', '', 'start'], outputs: ['total'], attributes: { body: attr.graph(body.build()) } });
    g.output({ name: 'total', type: 'float32', shape: [1] });
    const out = await run(serializeModel(buildModel({ graph: g.build() })), {
      count: new ort.Tensor('int64', BigInt64Array.from([5n]), []),
      start: new ort.Tensor('float32', Float32Array.from([100]), [1]),
    });
    expect(Array.from(out.total!.data as Float32Array)).toEqual([110]);
  });

  it('composes two graphs: outputs of the first feed the second, public names kept', async () => {
    const fused = buildFusedGraph(buildLinearGraph());
    expect(fused.input!.map((value) => value.name)).toEqual(['bill', 'island']);
    expect(fused.output!.map((value) => value.name)).toEqual(['prediction']);
    const out = await run(serializeModel(buildModel({ graph: fused })), preprocessFeeds());
    expect(Array.from(out.prediction!.data as Float32Array)).toEqual([101, 10, -1]);
  });

  it('refuses a connection to a name the graphs do not have', () => {
    expect(() => composeGraphs({ first: buildPreprocessGraph(), second: new GraphBuilder('m').build(), connections: [{ from: 'feature', to: 'x' }] })).toThrow(
      /'feature' should be an output of graph 'preprocess'/,
    );
  });

  const checked = [
    checkWithPythonOnnx(serializeModel(buildModel({ graph: buildPreprocessGraph() }))),
    checkWithPythonOnnx(serializeModel(buildModel({ graph: buildFusedGraph(buildLinearGraph()) }))),
  ];
  const python = checked[0]!;
  it.skipIf(!python.available)(`passes the strict ONNX checker (python3-onnx)${python.available ? '' : ` — SKIPPED: ${python.reason}`}`, () => {
    for (const result of checked) expect(result.available && result.valid ? 'valid' : result).toBe('valid');
  });
});

function buildLinearGraph() {
  const model = new GraphBuilder('model');
  model.input({ name: 'features', type: 'float32', shape: ['N', 3] });
  const weights = model.constant({ type: 'float32', dims: [3, 1], values: [1, 10, 100], name: 'features_weights' });
  model.opTo('prediction', 'MatMul', ['features', weights]);
  model.output({ name: 'prediction', type: 'float32', shape: ['N', 1] });
  return model.build();
}

function buildFusedGraph(model: ReturnType<GraphBuilder['build']>) {
  return composeGraphs({
    first: buildPreprocessGraph(),
    second: model,
    connections: [{ from: 'features', to: 'features' }],
    firstPrefix: 'preprocess/',
    secondPrefix: 'model/',
  });
}
