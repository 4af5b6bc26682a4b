import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEATURE_FILES, metricsOutput, modelInfoOutput } from '@reproml/onnx/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPushFixture, type PushFixture, runPushStage } from '../testing/push-fixture';
import { publishedState, publishedStateArgs } from './published-state';
import { openRegistry } from './registry-location';

const ARGS = publishedStateArgs({
  model: 'demo',
  modelOutDir: 'pipelines/demo/train/out',
  metricsOutDir: 'pipelines/demo/evaluate/out',
  modelFile: 'model.onnx',
  documents: { modelInfo: modelInfoOutput.file, metrics: metricsOutput.file, transform: FEATURE_FILES.transform },
});

describe('publishedState: what Nx hashes of the registry for a push stage', () => {
  let fixture: PushFixture;
  const env: NodeJS.ProcessEnv = {};
  const state = (environment: NodeJS.ProcessEnv = env) => publishedState(fixture.root, ['pipelines/demo/push/stage.json', ...ARGS], environment);
  const push = async (environment: NodeJS.ProcessEnv = env) =>
    (await runPushStage({ fixture, config: {}, registry: openRegistry({ workspaceRoot: fixture.root, env: environment }), env: environment })).receipt;
  const registryDir = () => join(fixture.root, '.reproml', 'registry');

  beforeEach(() => {
    fixture = createPushFixture({ git: true });
  });
  afterEach(() => rmSync(fixture.root, { recursive: true, force: true }));

  it('is a new text on every call until the registry holds the artifacts, then the same text while nothing changes', async () => {
    const before = [state(), state()];
    expect(before[0]).toMatch(/^unpublished \(.*\) [0-9a-f-]{36}$/);
    expect(before[1]).not.toBe(before[0]);
    const receipt = await push();
    expect(receipt.created).toBe(true);
    const after = state();
    expect(after).toMatch(new RegExp(`^published demo v1 ${receipt.fingerprint} registry state [0-9a-f]{64}$`));
    expect(state()).toBe(after);
    // A push of the same artifacts changes nothing in the registry, so the text stays: the next hash is a cache hit.
    expect((await push()).created).toBe(false);
    expect(state()).toBe(after);
  });

  it('changes with every change of the registry: a promotion, another version', async () => {
    await push();
    const published = state();
    await openRegistry({ workspaceRoot: fixture.root, env }).promote({
      model: 'demo',
      version: 1,
      alias: 'staging',
      approval: { by: 'alice', reason: 'CHG-1' },
    });
    const promoted = state();
    expect(promoted).toMatch(/^published demo v1 /);
    expect(promoted).not.toBe(published);
    fixture.writeModel(new Uint8Array([1, 2, 3]));
    expect(state()).toMatch(/^unpublished /);
    await push();
    expect(state()).toMatch(/^published demo v2 /);
  });

  it('a deleted registry, or one restored from a copy taken before the push, does not hold the artifacts', async () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'reproml-registry-copy-')), 'registry');
    await push();
    fixture.writeModel(new Uint8Array([4, 5, 6]));
    cpSync(registryDir(), copy, { recursive: true });
    await push();
    expect(state()).toMatch(/^published demo v2 /);
    rmSync(registryDir(), { recursive: true });
    expect(state()).toMatch(/^unpublished .*is not in the registry/);
    cpSync(copy, registryDir(), { recursive: true });
    expect(state()).toMatch(/^unpublished .*is not in the registry/);
    rmSync(join(copy, '..'), { recursive: true });
  });

  it('REPROML_REGISTRY decides which registry is read; a Hub registry is never read at hash time', async () => {
    await push();
    const otherDir = mkdtempSync(join(tmpdir(), 'reproml-other-registry-'));
    const other = { REPROML_REGISTRY: otherDir };
    expect(state(other)).toMatch(/^unpublished /);
    await push(other);
    expect(state(other)).toMatch(/^published demo v1 /);
    expect(state(other)).not.toBe(state());
    expect(state({ REPROML_REGISTRY: 'hf://acme' })).toMatch(/^unpublished \(the registry is on the Hub/);
    expect(state({ REPROML_REGISTRY: 'hf://not/a/namespace' })).toMatch(/^unpublished /);
    rmSync(otherDir, { recursive: true });
  });

  it('answers unpublished, never throws, when a lineage record is missing, broken or does not list a bundle file', async () => {
    await push();
    const lineage = join(fixture.root, 'pipelines/demo/evaluate/out/lineage.json');
    writeFileSync(lineage, '{"not":"a record"}');
    expect(state()).toMatch(/^unpublished .*not a lineage record/);
    rmSync(lineage);
    expect(state()).toMatch(/^unpublished /);
    expect(publishedState(fixture.root, ['model=demo'])).toMatch(/^unpublished \(missing [a-z-]+=\)/);
  });
});
