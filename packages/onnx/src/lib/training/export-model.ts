import { DataError } from '@reproml/core';
import { onnx } from 'onnx-proto';
import type { ClassKind, RawInput } from '../contracts/features-manifest';
import { buildClassLabelGraph } from '../graph/class-label-graph';
import { composeGraphs } from '../graph/compose-graphs';
import { buildInferenceGraph, MODEL_OUTPUTS } from '../graph/inference-graph';
import type { Network, Parameters, Task } from '../graph/network';
import { buildModel, DEFAULT_OPSETS, decodeModel, type OpsetImport, serializeModel } from '../graph/onnx-model';
import { elementTypeOf } from '../graph/onnx-types';
import type { TargetScaling } from './target-scaling';

/** Metadata keys of a ReproML model.onnx: enough for predict to check and label its input without model.json. */
export const MODEL_METADATA_KEYS = {
  rawInputs: 'reproml.rawInputs',
  classes: 'reproml.classes',
  task: 'reproml.task',
  featureNames: 'reproml.featureNames',
  family: 'reproml.family',
  /** `number` when a classifier's classes are numbers (its `label` output is then int64 or double). */
  classKind: 'reproml.classKind',
} as const;

/** What `exportFusedModel` takes, with a trained network in place of its serving graph. */
export interface ExportModelParams extends Omit<ExportFusedModelParams, 'modelGraph' | 'family' | 'task'> {
  network: Network;
  parameters: Parameters;
  /** The standardization of a regression target the network was trained in; the graph scales its output back. */
  targetScaling?: TargetScaling;
}

/** model.onnx of a trained network: `exportFusedModel` of its serving graph. */
export function exportModel(params: ExportModelParams): Uint8Array {
  const { network, parameters, targetScaling, ...rest } = params;
  return exportFusedModel({ ...rest, modelGraph: buildInferenceGraph(network, parameters, targetScaling), family: network.family, task: network.task });
}

export interface ExportFusedModelParams {
  /** The serving graph: input `features` [N, F] → outputs `label` (class id, or the prediction) and, for classification, `probabilities`. */
  modelGraph: onnx.IGraphProto;
  family: string;
  task: Task;
  /** Bytes of the preprocess stage's preprocess.onnx (raw inputs → `features`). */
  preprocessOnnx: Uint8Array;
  rawInputs: readonly RawInput[];
  featureNames: readonly string[];
  classes?: readonly string[];
  /** What the classification target held (features.json `classKind`); default string. */
  classKind?: ClassKind;
  /** File named in messages. */
  preprocessFile?: string;
}

/**
 * model.onnx: the fitted preprocessing graph fused in front of the trained network, so the
 * model takes raw rows and training/serving skew cannot happen. Same inputs → same bytes.
 */
export function exportFusedModel(params: ExportFusedModelParams): Uint8Array {
  const preprocess = decodeModel(params.preprocessOnnx);
  const graph = preprocess.graph;
  const featuresOutput = graph?.output?.find((output) => output.name === 'features');
  if (!graph || !featuresOutput) {
    throw new DataError(`${params.preprocessFile ?? 'preprocess.onnx'} has no output named 'features'`, {
      file: params.preprocessFile,
      hint: 'Rerun the preprocess stage; its graph must output features [N, F].',
    });
  }
  const width = featuresOutput.type?.tensorType?.shape?.dim?.[1]?.dimValue;
  if (width !== undefined && width !== null && Number(width) !== params.featureNames.length) {
    throw new DataError(
      `${params.preprocessFile ?? 'preprocess.onnx'} outputs ${Number(width)} features, but features.json names ${params.featureNames.length}`,
      { file: params.preprocessFile, hint: 'The preprocess outputs come from different runs: rerun the preprocess stage.' },
    );
  }
  const fused = composeGraphs({
    first: graph,
    second: withClassLabels(params),
    connections: [{ from: 'features', to: 'features' }],
    firstPrefix: 'preprocess/',
    secondPrefix: 'model/',
    name: 'reproml_model',
  });
  const opsets: OpsetImport[] = (preprocess.opsetImport ?? []).map((opset) => ({ domain: opset.domain ?? '', version: Number(opset.version) }));
  return serializeModel(
    buildModel({
      graph: fused,
      opsets: [...opsets, ...DEFAULT_OPSETS],
      metadata: {
        [MODEL_METADATA_KEYS.rawInputs]: JSON.stringify(params.rawInputs),
        [MODEL_METADATA_KEYS.featureNames]: JSON.stringify(params.featureNames),
        [MODEL_METADATA_KEYS.task]: params.task,
        [MODEL_METADATA_KEYS.family]: params.family,
        ...(params.classes ? { [MODEL_METADATA_KEYS.classes]: JSON.stringify(params.classes) } : {}),
        ...(params.classes && params.classKind === 'number' ? { [MODEL_METADATA_KEYS.classKind]: 'number' } : {}),
      },
      docString: `ReproML ${params.family} model (${params.task}) with its preprocessing fused in front`,
    }),
  );
}

/** A classifier's serving graph followed by the class-label tail (`label` = the class value, `class_id`); a regressor's as it is. */
function withClassLabels(params: ExportFusedModelParams): onnx.IGraphProto {
  if (params.task !== 'classification' || !params.classes) return params.modelGraph;
  const probabilities = params.modelGraph.output?.find((output) => output.name === MODEL_OUTPUTS.probabilities);
  const tail = buildClassLabelGraph({
    classes: params.classes,
    classKind: params.classKind ?? 'string',
    probabilitiesType: elementTypeOf(probabilities?.type?.tensorType?.elemType ?? onnx.TensorProto.DataType.FLOAT) ?? 'float32',
  });
  return composeGraphs({
    first: params.modelGraph,
    second: tail,
    connections: [
      { from: MODEL_OUTPUTS.label, to: 'ids' },
      { from: MODEL_OUTPUTS.probabilities, to: 'scores' },
    ],
    firstPrefix: 'network/',
    secondPrefix: 'classes/',
    name: params.modelGraph.name ?? 'model',
  });
}
