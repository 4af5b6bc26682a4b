import type { onnx } from 'onnx-proto';
import type { TargetScaling } from '../training/target-scaling';
import { attr } from './attribute';
import { GraphBuilder } from './graph-builder';
import type { Network, Parameters } from './network';
import { addForward, BATCH_INPUTS } from './training-graphs';

/** Names of the outputs every ReproML model has (see the data contract). */
export const MODEL_OUTPUTS = { label: 'label', probabilities: 'probabilities' } as const;

/**
 * The serving graph of a trained network, weights stored as initializers. Input
 * `features` [N, F]; outputs `label` (int64 class id [N], or float prediction [N] for
 * regression, in the data's units: a standardized target is scaled back by `targetScaling`) and,
 * for classification, `probabilities` [N, C] (softmax).
 */
export function buildInferenceGraph(network: Network, parameters: Parameters, targetScaling?: TargetScaling): onnx.IGraphProto {
  const g = new GraphBuilder('model');
  g.input({ name: BATCH_INPUTS.features, type: network.dtype, shape: ['N', network.inputSize] });
  const names = parameters.map((tensor) => g.constant({ name: tensor.name, type: network.dtype, dims: tensor.dims, values: tensor.values }));
  const { output } = addForward(g, network, BATCH_INPUTS.features, names);
  if (network.task === 'classification') {
    g.opTo(MODEL_OUTPUTS.probabilities, 'Softmax', [output], { axis: attr.int(1) });
    g.opTo(MODEL_OUTPUTS.label, 'ArgMax', [output], { axis: attr.int(1), keepdims: attr.int(0) });
    g.output({ name: MODEL_OUTPUTS.label, type: 'int64', shape: ['N'] });
    g.output({ name: MODEL_OUTPUTS.probabilities, type: network.dtype, shape: ['N', network.outputSize] });
  } else {
    // A standardized target is scaled back here, so the label is in the data's units.
    const prediction = targetScaling
      ? g.op('Add', [
          g.op('Mul', [output, g.scalar(network.dtype, targetScaling.std, 'target_std')]),
          g.scalar(network.dtype, targetScaling.mean, 'target_mean'),
        ])
      : output;
    g.opTo(MODEL_OUTPUTS.label, 'Reshape', [prediction, g.int64s([-1], 'flat')]);
    g.output({ name: MODEL_OUTPUTS.label, type: network.dtype, shape: ['N'] });
  }
  return g.build();
}
