import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runStage, sha256OfBytes } from '@reproml/core';
import { FileModelRegistry } from '@reproml/hub';
import { runTrain, trainStageConfigSchema } from '@reproml/onnx';
import { writeFeatureFixture } from '@reproml/onnx/testing';

export { FIXTURE_CLASSES, type FixtureRow, fixtureRows } from '@reproml/onnx/testing';

/** The model name the fixture registers. */
export const FIXTURE_MODEL = 'species';

/**
 * Real models for serving tests: the onnx feature fixture (x0, x1 numbers with missing
 * values, tag string; three species) trained by the train stage with two seeds, registered in a
 * folder registry under `root/registry` as v1 and v2 (an MLP with one hidden layer of 8 unless `hiddenLayers` says otherwise) (different weights, different
 * fingerprints), v1 promoted to `production`.
 */
export async function createServedModelFixture(
  root: string,
  options: { hiddenLayers?: number[] } = {},
): Promise<{ registry: FileModelRegistry; modelFiles: Record<1 | 2, string> }> {
  const featuresDir = join(root, 'pipelines/p/preprocess/out');
  await writeFeatureFixture({ dir: featuresDir });
  const registry = new FileModelRegistry(join(root, 'registry'));
  const modelFiles = {} as Record<1 | 2, string>;
  for (const [version, seed] of [
    [1, 42],
    [2, 7],
  ] as const) {
    const outDir = join(root, `pipelines/p/train-${seed}/out`);
    const config = trainStageConfigSchema.parse({
      kind: 'train',
      inputs: { features: 'preprocess' },
      model: { family: 'mlp', hiddenLayers: options.hiddenLayers ?? [8] },
      training: { epochs: 15, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.02 } },
    });
    await runStage({
      stage: { name: `p-train-${seed}`, pipeline: 'p', kind: 'train', file: `pipelines/p/train-${seed}/stage.json` },
      config,
      seed,
      workspaceRoot: root,
      outputDir: outDir,
      packages: [],
      runMetadataPath: join(root, '.reproml', `train-${seed}`, 'last-run.json'),
      work: async (context) => void (await runTrain({ context, config, featuresDir, upstream: 'p-preprocess' })),
    });
    const path = join(outDir, 'model.onnx');
    modelFiles[version] = path;
    const bytes = await readFile(path);
    const artifact = { path: 'model.onnx', sha256: sha256OfBytes(bytes), size: bytes.byteLength };
    await registry.register({
      version: {
        model: FIXTURE_MODEL,
        fingerprint: sha256OfBytes(`${artifact.path}\0${artifact.sha256}`),
        artifact,
        files: [artifact],
        metrics: { accuracy: 0.9 },
        gates: {},
        source: {
          pipeline: 'p',
          pushStage: 'p-push',
          stageFile: 'pipelines/p/push/stage.json',
          modelStage: `p-train-${seed}`,
          modelPath: `pipelines/p/train-${seed}/out/model.onnx`,
          stages: [],
          git: null,
          datasets: [],
        },
      },
      location: { type: 'local' },
      files: [{ ...artifact, absolutePath: path }],
    });
  }
  await registry.promote({ model: FIXTURE_MODEL, version: 1, alias: 'production', approval: { by: 'test', reason: 'fixture' } });
  return { registry, modelFiles };
}
