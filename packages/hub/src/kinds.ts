import { join } from 'node:path';
import { defineStageKind, stageOutputDir } from '@reproml/core';
import { datasetChangelogPaths } from '@reproml/data/kinds';
import { PUSH_METRICS_INPUT, PUSH_MODEL_INPUT, pushInputs, pushStageConfigSchema } from './lib/push-stage-config';
import { HUB_REGISTRY_CACHE_DIR, registryDir } from './lib/registry-setting';

/** The stage kind of @reproml/hub (light: the push loads inside `run`, and @huggingface/hub only for the Hub). */
export const pushKind = defineStageKind({
  name: 'push',
  description: 'Publish model.onnx with its model card, lineage, metrics and fitted transform to the local model registry or a Hugging Face Hub repo',
  schema: pushStageConfigSchema,
  inputs: pushInputs,
  packages: ['@reproml/core', '@reproml/data', '@reproml/onnx', '@huggingface/hub', 'zod'],
  // The registry or Hub repo is outside the outputs Nx restores: always run, and rely on the push being a no-op for known artifacts.
  cache: false,
  // The datasets' changelogs the model card quotes (push is never cached, so reading them cannot go stale).
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
