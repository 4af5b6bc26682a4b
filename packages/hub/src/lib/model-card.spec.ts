import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@reproml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createPushFixture, DATASET_REVISION, type PushFixture, runPushStage } from '../testing/push-fixture';
import { FileModelRegistry } from './file-model-registry';

describe('model card (README.md) of a pushed model', () => {
  let fixture: PushFixture;
  let card: string;
  let commit: string;

  beforeAll(async () => {
    fixture = createPushFixture({ git: true });
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: fixture.root, encoding: 'utf8' }).trim();
    const registry = new FileModelRegistry(join(fixture.root, '.reproml/registry'));
    await runPushStage({ fixture, config: { tags: ['penguins'], license: 'mit' }, registry, env: {} });
    card = readFileSync(join(fixture.root, 'pipelines/demo/push/out/README.md'), 'utf8');
  });
  afterAll(() => rmSync(fixture.root, { recursive: true, force: true }));

  it('starts with YAML front matter in the Hub format: library_name, tags, datasets with revisions, metrics in model-index', () => {
    const match = /^---\n([\s\S]*?)\n---\n/.exec(card);
    expect(match).not.toBeNull();
    const meta = parse(match![1]!);
    expect(meta.library_name).toBe('onnx');
    expect(meta.license).toBe('mit');
    expect(meta.tags).toEqual(['onnx', 'reproml', 'tabular-classification', 'logistic', 'penguins']);
    expect(meta.datasets).toEqual(['acme/penguins']);
    const [result] = meta['model-index'][0].results;
    expect(meta['model-index'][0].name).toBe('demo');
    expect(result.task.type).toBe('tabular-classification');
    expect(result.dataset).toEqual({ name: 'demo/penguins', type: 'acme/penguins', split: 'test', revision: DATASET_REVISION });
    expect(result.metrics).toEqual([
      { type: 'accuracy', value: 0.97, name: 'Accuracy' },
      { type: 'f1', value: 0.96, name: 'F1 (macro)' },
      { type: 'logLoss', value: 0.08, name: 'Log loss' },
      { type: 'precision', value: 0.95, name: 'Precision (macro)' },
      { type: 'recall', value: 0.94, name: 'Recall (macro)' },
      { type: 'rocAuc', value: 0.99, name: 'ROC AUC' },
    ]);
    expect(meta.reproml.commit).toBe(commit);
    expect(meta.reproml.datasets[0]).toMatchObject({ source: 'hf://datasets/acme/penguins/penguins.csv', revision: DATASET_REVISION });
    expect(meta.reproml.datasets[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('describes data, preprocessing, model, seed, metrics, environment and how to reproduce, from the lineage', () => {
    const body = card.split('\n---\n')[1]!;
    const dataSha = JSON.parse(readFileSync(join(fixture.root, 'pipelines/demo/data/out/lineage.json'), 'utf8')).summary.files[0].sha256;
    expect(body).toContain(`| penguins | \`hf://datasets/acme/penguins/penguins.csv\` | \`${DATASET_REVISION}\` | \`${dataSha}\` |`);
    expect(body).toContain('Stage `demo-preprocess` (seed 7)');
    expect(body).toContain('- **scale**: `{"columns":["bill"],"method":"standard"}`');
    expect(body).toContain('- family: logistic');
    expect(body).toContain('- seed: 42');
    expect(body).toContain('"learningRate": 0.01');
    expect(body).toContain('| Accuracy | 0.9700 |');
    expect(body).toContain('- Node v20.20.2 (linux-x64)');
    expect(body).toContain('- onnxruntime-node 1.30.0');
    expect(body).toContain('- @reproml/onnx 0.1.0');
    expect(body).toContain(`git checkout ${commit}`);
    expect(body).toContain('npx nx run-many -t run -p tag:pipeline:demo --exclude tag:stage:push');
    const modelSha = JSON.parse(readFileSync(join(fixture.root, 'pipelines/demo/push/out/push.json'), 'utf8')).artifact.sha256;
    expect(body).toContain(`sha256sum pipelines/demo/train/out/model.onnx   # ${modelSha}`);
  });

  it("refuses an evaluate stage's metrics.json that breaks the metrics contract, naming the push stage, the file and the field", async () => {
    const broken = createPushFixture({ metricsOverride: { split: 'holdout' } });
    try {
      const error = await runPushStage({ fixture: broken, config: {}, registry: new FileModelRegistry(join(broken.root, '.reproml/registry')), env: {} }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ stage: 'demo-push', file: 'pipelines/demo/evaluate/out/metrics.json', field: 'split' });
      expect(existsSync(join(broken.root, '.reproml/registry'))).toBe(false);
    } finally {
      rmSync(broken.root, { recursive: true, force: true });
    }
  });

  it('describes a gbdt model by its rounds and trees, with its hyper-parameters under model only', async () => {
    const gbdt = createPushFixture({ family: 'gbdt' });
    try {
      await runPushStage({ fixture: gbdt, config: {}, registry: new FileModelRegistry(join(gbdt.root, '.reproml/registry')), env: {} });
      const body = readFileSync(join(gbdt.root, 'pipelines/demo/push/out/README.md'), 'utf8').split('\n---\n')[1]!;
      expect(body).toContain('- family: gbdt');
      expect(body).toMatch(/- roundsRun: 60\n- bestRound: 40\n- trees: 40\n- stoppedEarly: true/);
      expect(body).toContain('"nTrees": 100');
      expect(body).not.toContain('"optimizer"');
    } finally {
      rmSync(gbdt.root, { recursive: true, force: true });
    }
  });
});
