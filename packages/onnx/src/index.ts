export * from './lib/attribute';
export * from './lib/compose-graphs';
export * from './lib/graph-builder';
export * from './lib/onnx-model';
export * from './lib/onnx-types';
export * from './lib/tensor-proto';
export * from './lib/python-onnx-checker';
export * from './lib/inference-graph';
export * from './lib/network';
export * from './lib/trainer';
export * from './lib/training-config';
export * from './lib/training-data';
export * from './lib/training-errors';
export * from './lib/training-graphs';
/** The generated protobuf types (onnx.IGraphProto, onnx.ModelProto, ...), for code that builds or reads graphs. */
export { onnx } from 'onnx-proto';
export * from './lib/classification-metrics';
export * from './lib/regression-metrics';
