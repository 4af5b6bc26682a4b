/** The stage kinds of @reproml/onnx (train, evaluate, predict): see lib/kinds/stage-kinds.ts. */
export * from './lib/kinds/stage-kinds';
