import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProvenanceError } from '@reproml/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPushFixture, type PushFixture, runPushStage } from '../testing/push-fixture';
import { FileModelRegistry } from './file-model-registry';

/** A version must name a commit that rebuilds it: a push from uncommitted files is refused unless allowed, and then recorded as dirty. */
describe('push provenance: uncommitted files the model depends on', () => {
  let fixture: PushFixture;
  let registry: FileModelRegistry;
  const push = (config: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}) => runPushStage({ fixture, config, registry, env });
  const card = () => readFileSync(join(fixture.root, 'pipelines/demo/push/out/README.md'), 'utf8');

  beforeEach(() => {
    fixture = createPushFixture({ git: true });
    registry = new FileModelRegistry(join(fixture.root, '.reproml/registry'));
  });
  afterEach(() => rmSync(fixture.root, { recursive: true, force: true }));

  it('a clean checkout pushes with dirty: false', async () => {
    const { receipt } = await push();
    expect((await registry.getVersion('demo', receipt.version)).source.git).toMatchObject({ dirty: false });
  });

  it('an untracked stage file is refused with the files and the fix; nothing is registered', async () => {
    writeFileSync(join(fixture.root, 'pipelines/demo/train/stage.json'), '{"kind":"train"}');
    const pushed = push();
    await expect(pushed).rejects.toBeInstanceOf(ProvenanceError);
    await expect(pushed).rejects.toThrow(/Refusing to push demo: 1 file\(s\) it depends on are not committed \(pipelines\/demo\/train\/stage\.json\)/);
    await expect(pushed).rejects.toMatchObject({
      hint: expect.stringMatching(/git add pipelines\/demo\/train\/stage\.json && git commit.*"allowDirty": true.*REPROML_ALLOW_DIRTY=1/),
    });
    expect(await registry.listModels()).toEqual([]);
  });

  it('allowDirty records dirty: true with the files and a content hash, and the model card says so', async () => {
    writeFileSync(join(fixture.root, 'pipelines/demo/train/stage.json'), '{"kind":"train"}');
    const { receipt, logs } = await push({ allowDirty: true });
    const git = (await registry.getVersion('demo', receipt.version)).source.git!;
    expect(git).toMatchObject({ dirty: true, uncommitted: { files: ['pipelines/demo/train/stage.json'], sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(logs.join('\n')).toMatch(
      /demo depends on uncommitted files \(pipelines\/demo\/train\/stage\.json\); allowed .*: a new version is recorded as dirty/,
    );
    expect(card()).toContain('**Pushed from uncommitted files**');
    expect(card()).toContain(git.uncommitted!.sha256);
    expect(card()).toContain('- `pipelines/demo/train/stage.json`');
  });

  it('REPROML_ALLOW_DIRTY=1 allows it for one run; re-pushing artifacts the registry holds stays a no-op while dirty', async () => {
    const clean = await push();
    writeFileSync(join(fixture.root, 'pipelines/demo/notes.txt'), 'todo');
    // Same artifacts: nothing new would be recorded, so nothing is refused.
    expect((await push()).receipt).toMatchObject({ version: clean.receipt.version, created: false });
    fixture.writeModel(new Uint8Array([1, 2, 3]));
    await expect(push()).rejects.toBeInstanceOf(ProvenanceError);
    const dirty = await push({}, { REPROML_ALLOW_DIRTY: '1' });
    expect(dirty.receipt).toMatchObject({ version: 2, created: true });
    expect((await registry.getVersion('demo', 2)).source.git).toMatchObject({ dirty: true, uncommitted: { files: ['pipelines/demo/notes.txt'] } });
  });
});
