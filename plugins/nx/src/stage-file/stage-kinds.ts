import { scriptStageConfigSchema } from '@reproml/core';
import { pullStageConfigSchema } from '@reproml/data';
import { driftStageConfigSchema } from '@reproml/drift';
import { pushStageConfigSchema, registryDir } from '@reproml/hub';
import { evaluateStageConfigSchema, predictStageConfigSchema, trainStageConfigSchema } from '@reproml/onnx';
import { preprocessStageConfigSchema } from '@reproml/preprocess';
import type { z } from 'zod';

export interface StageKind {
  /** Zod schema of the whole stage file for this kind (strict). */
  schema: z.ZodObject;
  /** Executor that runs the stage, `@reproml/nx:<executor>`. */
  executor: string;
  /** Third-party npm packages whose versions can change the stage's artifacts. */
  externalPackages: readonly string[];
  /** Workspace packages whose code does the stage's work (hashed as files while they live in this workspace). */
  reproPackages: readonly string[];
  /** Extra uncached targets, e.g. `lock` for pull stages. */
  extraTargets: readonly 'lock'[];
  description: string;
  /** False for kinds whose effect lives outside `out/` (a push): a cache hit would report work that never happened here. Default: cached. */
  cacheRun?: boolean;
  /** Absolute paths inside the workspace the kind may read besides its declared inputs in strict mode (state it owns, not inputs). */
  extraReadPaths?: (workspaceRoot: string) => string[];
}

/** Every stage kind the plugin knows; a later kind is one entry here plus its executor. */
export const STAGE_KINDS = {
  pull: {
    schema: pullStageConfigSchema,
    executor: 'pull',
    externalPackages: ['@huggingface/hub', 'hyparquet', 'zod'],
    reproPackages: ['core', 'data'],
    extraTargets: ['lock'],
    description: 'Pull the dataset files pinned by the lock (local, https:// or hf://), verify their sha256, validate and profile them',
  },
  script: {
    schema: scriptStageConfigSchema,
    executor: 'script',
    externalPackages: [],
    reproPackages: ['core'],
    extraTargets: [],
    description: 'Run a user module over named upstream outputs',
  },
  preprocess: {
    schema: preprocessStageConfigSchema,
    executor: 'preprocess',
    // danfojs-node only runs custom transforms; its version is still hashed because they can use it.
    // hyparquet reads a pulled Parquet file.
    externalPackages: ['danfojs-node', 'hyparquet', 'onnx-proto', 'zod'],
    reproPackages: ['core', 'data', 'onnx', 'preprocess'],
    extraTargets: [],
    description: 'Split a pulled dataset (seeded), fit transforms on the training split, write the splits, transform.json and preprocess.onnx',
  },
  train: {
    schema: trainStageConfigSchema,
    executor: 'train',
    externalPackages: ['onnxruntime-node', 'onnx-proto', 'zod'],
    reproPackages: ['core', 'data', 'onnx'],
    extraTargets: [],
    description:
      'Train a linear, logistic or MLP model on the features of a preprocess stage (onnxruntime); write model.onnx with the preprocessing fused in front',
  },
  evaluate: {
    schema: evaluateStageConfigSchema,
    executor: 'evaluate',
    externalPackages: ['onnxruntime-node', 'onnx-proto', 'zod'],
    reproPackages: ['core', 'data', 'onnx'],
    extraTargets: [],
    description: 'Run model.onnx on a held-out split of raw rows, write metrics.json, fail on unmet thresholds',
  },
  predict: {
    schema: predictStageConfigSchema,
    executor: 'predict',
    externalPackages: ['hyparquet', 'onnxruntime-node', 'onnx-proto', 'zod'],
    reproPackages: ['core', 'data', 'onnx'],
    extraTargets: [],
    description: 'Batch inference of model.onnx over a data file, streamed in batches; write predictions.csv',
  },
  push: {
    schema: pushStageConfigSchema,
    executor: 'push',
    externalPackages: ['@huggingface/hub', 'zod'],
    reproPackages: ['core', 'data', 'hub'],
    extraTargets: [],
    description: 'Publish model.onnx with its model card, lineage, metrics and fitted transform to the local model registry or a Hugging Face Hub repo',
    // The registry or Hub repo is outside the outputs Nx restores: always run, and rely on the push being a no-op for known artifacts.
    cacheRun: false,
    extraReadPaths: (workspaceRoot: string) => [registryDir(workspaceRoot)],
  },
  drift: {
    schema: driftStageConfigSchema,
    executor: 'drift',
    externalPackages: ['hyparquet', 'onnxruntime-node', 'onnx-proto', 'zod'],
    reproPackages: ['core', 'data', 'onnx', 'drift'],
    extraTargets: [],
    description:
      'Compare a new data batch with the training split (PSI, KS, chi-square, unseen categories, nulls, prediction drift); write drift.json, fail on an alert unless onAlert is "record"',
  },
} as const satisfies Record<string, StageKind>;

export type StageKindName = keyof typeof STAGE_KINDS;
export const STAGE_KIND_NAMES = Object.keys(STAGE_KINDS) as StageKindName[];
