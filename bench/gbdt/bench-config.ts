import type { GbdtModelConfig } from '../../packages/onnx/src';

/** Columns of bench/gbdt's synthetic data (gbdt.ts and predict-probe.ts). */
export const FEATURES = 20;

/** The same hyper-parameters on every side (XGBoost's defaults where ReproML has the same knob). */
export const CONFIG: GbdtModelConfig = {
  family: 'gbdt',
  nTrees: 100,
  learningRate: 0.1,
  maxDepth: 6,
  minSamplesLeaf: 1,
  minHessianLeaf: 1,
  l2: 1,
  minSplitGain: 0,
  subsample: 1,
  colsample: 1,
  maxBins: 255,
  earlyStopping: false,
};
