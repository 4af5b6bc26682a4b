export * from './lib/attribute';
export * from './lib/compose-graphs';
export * from './lib/graph-builder';
export * from './lib/onnx-model';
export * from './lib/onnx-types';
export * from './lib/tensor-proto';
export * from './lib/python-onnx-checker';
