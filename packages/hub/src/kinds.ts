import { join } from 'node:path';
import { defineStageKind, stageOutputDir } from '@reproml/core';
import { datasetChangelogPaths } from '@reproml/data/kinds';
import { FEATURE_FILES, metricsOutput, modelInfoOutput } from '@reproml/onnx/contracts';
import { publishedStateArgs } from './lib/published-state';
import { PUSH_METRICS_INPUT, PUSH_MODEL_INPUT, pushInputs, pushStageConfigSchema } from './lib/push-stage-config';
import { parsePushTarget } from './lib/push-target';
import { HUB_REGISTRY_CACHE_DIR, registryDir } from './lib/registry-setting';

/** The stage kind of @reproml/hub (light: the push loads inside `run`, and @huggingface/hub only for the Hub). */
export const pushKind = defineStageKind({
  name: 'push',
  description: 'Publish model.onnx with its model card, lineage, metrics and fitted transform to the local model registry or a Hugging Face Hub repo',
  schema: pushStageConfigSchema,
  inputs: pushInputs,
  packages: ['@reproml/core', '@reproml/data', '@reproml/onnx', '@huggingface/hub', 'zod'],
  // The registry is outside the outputs Nx restores: a cache hit needs the probe's word that these artifacts are
  // already in this exact registry state (published-state.ts); a push to a Hub repo is not cached at all.
  stateInput: (config, stage) =>
    parsePushTarget(config.target).type === 'hub'
      ? undefined
      : {
          module: 'published-state.js',
          args: publishedStateArgs({
            model: config.model ?? stage.pipeline,
            modelOutDir: stageOutputDir(stage.pipeline, config.inputs[PUSH_MODEL_INPUT]!),
            metricsOutDir: config.inputs[PUSH_METRICS_INPUT] ? stageOutputDir(stage.pipeline, config.inputs[PUSH_METRICS_INPUT]) : undefined,
            modelFile: config.modelFile,
            documents: { modelInfo: modelInfoOutput.file, metrics: metricsOutput.file, transform: FEATURE_FILES.transform },
          }),
        },
  // The bundle carries every upstream lineage record.
  hashesUpstreamLineage: true,
  // The model card quotes the datasets' changelogs, unhashed: a push that creates a version always runs (its state text
  // is new until the registry holds it), so a new version's card quotes them as they are; a hit restores the out/ of a
  // version already published. Hashing them made every dataset lock mark the push affected, even a batch's.
  extraReadPaths: (workspaceRoot) => datasetChangelogPaths(workspaceRoot),
  // State the push reads and writes: the registry folder, or the Hub registry's per-clone cache (seen checkpoints, version records).
  ownedPaths: (workspaceRoot) => [registryDir(workspaceRoot), join(workspaceRoot, HUB_REGISTRY_CACHE_DIR)],
  run: async (context, config) => {
    // Only the push and the registry it opens: the Hub client loads when the target or the registry is on the Hub.
    const { runPush } = require('./lib/run-push') as typeof import('./lib/run-push');
    const { openRegistry } = require('./lib/registry-location') as typeof import('./lib/registry-location');
    const pipeline = context.stage.pipeline;
    const metrics = config.inputs[PUSH_METRICS_INPUT];
    await runPush({
      context,
      config,
      modelOutDir: stageOutputDir(pipeline, config.inputs[PUSH_MODEL_INPUT]!),
      metricsOutDir: metrics ? stageOutputDir(pipeline, metrics) : undefined,
      registry: openRegistry({ workspaceRoot: context.workspaceRoot }),
    });
  },
});

export const stageKinds = [pushKind];
