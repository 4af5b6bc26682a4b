import type { SeededRandom } from '@reproml/core';
import type { ModelConfig } from '../training/training-config';

export type Task = 'classification' | 'regression';
export type LossKind = 'cross-entropy' | 'mse';
export type FloatType = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;

/** The shape of a dense network: what every graph (training step, inference) is built from. */
export interface Network {
  family: ModelConfig['family'];
  task: Task;
  loss: LossKind;
  inputSize: number;
  /** Widths of the hidden layers (empty for linear and logistic models). */
  hiddenLayers: readonly number[];
  /** Number of classes (classification) or 1 (regression). */
  outputSize: number;
  /** Element type the graphs compute in: float32 for training and serving, float64 in gradient tests. */
  dtype: FloatType;
}

export interface ParameterTensor {
  /** `layer<i>.weight` ([in, out]) or `layer<i>.bias` ([out]). */
  name: string;
  dims: readonly number[];
  values: FloatArray;
}

/** Weights and biases in layer order: weight then bias of layer 0, then layer 1, ... */
export type Parameters = ParameterTensor[];

/** [fanIn, fanOut] of every layer, input side first. */
export function layerSizes(network: Network): [number, number][] {
  const widths = [network.inputSize, ...network.hiddenLayers, network.outputSize];
  return widths.slice(1).map((fanOut, index) => [widths[index]!, fanOut]);
}

export function parameterShapes(network: Network): { name: string; dims: number[] }[] {
  return layerSizes(network).flatMap(([fanIn, fanOut], layer) => [
    { name: `layer${layer}.weight`, dims: [fanIn, fanOut] },
    { name: `layer${layer}.bias`, dims: [fanOut] },
  ]);
}

export function allocate(dtype: FloatType, length: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
}

/**
 * Starting parameters. Linear and logistic models start at zero (a convex problem: the
 * start does not matter, and zero is what scikit-learn uses). MLPs draw every weight and
 * bias from U(-1/√fanIn, 1/√fanIn), PyTorch's default for Linear layers, from the seeded RNG.
 */
export function initialParameters(network: Network, rng: SeededRandom): Parameters {
  const sizes = layerSizes(network);
  return parameterShapes(network).map(({ name, dims }, index) => {
    const count = dims.reduce((product, dim) => product * dim, 1);
    const values = allocate(network.dtype, count);
    if (network.family === 'mlp') {
      const bound = 1 / Math.sqrt(sizes[Math.floor(index / 2)]![0]);
      for (let i = 0; i < count; i++) values[i] = (rng.nextFloat() * 2 - 1) * bound;
    }
    return { name, dims, values };
  });
}

export function cloneParameters(parameters: Parameters): Parameters {
  return parameters.map((tensor) => ({ ...tensor, values: tensor.values.slice() }));
}
