import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubServer, startHubServer } from '../../../../tools/hub-server';
import { createPushFixture, type PushFixture, runPushStage } from '../testing/push-fixture';
import { copyRegistry } from './copy-registry';
import { FileModelRegistry } from './file-model-registry';
import { HubModelRegistry } from './hub-model-registry';

const TOKEN = 'hf_copyWRITEtoken0001';

/** Moving a folder registry to the Hub and back (`reproml models export/import`), verified. */
describe('copyRegistry: folder → Hub → folder', () => {
  let hub: HubServer;
  let fixture: PushFixture;
  let folder: FileModelRegistry;
  let onHub: HubModelRegistry;

  beforeAll(async () => {
    hub = await startHubServer();
    hub.addToken(TOKEN, 'ci', { orgs: ['acme'] });
    fixture = createPushFixture({ modelBytes: randomBytes(1024) });
    folder = new FileModelRegistry(join(fixture.root, 'registry-a'));
    onHub = new HubModelRegistry({
      namespace: 'acme',
      hubUrl: hub.url,
      allowHttpLocalhost: true,
      token: TOKEN,
      cacheDir: join(fixture.root, 'hub-cache'),
      retryBaseMs: 1,
    });
    await runPushStage({ fixture, config: { target: 'registry' }, registry: folder, env: {} });
    await folder.promote({ model: 'demo', version: 1, alias: 'production', approval: { by: 'alice', reason: 'CHG-1' } });
    fixture.writeModel(randomBytes(1024));
    await runPushStage({ fixture, config: { target: 'registry' }, registry: folder, env: {} });
    await expect(folder.promote({ model: 'demo', version: 2, alias: 'production', approval: { by: 'bob' } })).rejects.toThrow(/no approval record/);
    await folder.promote({ model: 'demo', version: 2, alias: 'staging', approval: { by: 'bob', reason: 'QA' } });
    await folder.promote({ model: 'demo', version: 2, alias: 'production', approval: { by: 'bob', reason: 'CHG-2' } });
    await folder.rollback({ model: 'demo', alias: 'production', approval: { by: 'carol', reason: 'INC-3' } });
  });
  afterAll(async () => {
    await hub.close();
    rmSync(fixture.root, { recursive: true, force: true });
  });

  it('exports every version (same numbers, fingerprints, files) and every alias change to the Hub, verified', async () => {
    const logs: string[] = [];
    const result = await copyRegistry({ from: folder, to: onHub, log: (line) => logs.push(line) });
    expect(result.models).toEqual([
      { name: 'demo', versionsCopied: 2, versions: 2, aliasChangesCopied: 4, rejectedSkipped: 1, aliases: { production: 1, staging: 2 } },
    ]);
    const source = await folder.getModel('demo');
    const copied = await onHub.getModel('demo');
    expect(copied.versions.map((version) => version.fingerprint)).toEqual(source.versions.map((version) => version.fingerprint));
    expect(copied.aliasHistory).toEqual(source.aliasHistory);
    const promote = (await onHub.audit({ model: 'demo' })).find((event) => event.type === 'promote')!;
    expect(promote).toMatchObject({
      approval: { by: 'alice', identity: 'ci', reason: expect.stringMatching(/^CHG-1 \(copied from .*registry-a event 2, approved at /) },
    });
    const repo = hub.repos.get('model', 'acme/demo')!;
    expect(repo.branches.get('production')).toBe((copied.versions[0]!.location as { commit: string }).commit);
    expect(logs.at(-1)).toMatch(/demo: 2 version\(s\), aliases production=v1 staging=v2 — verified/);
  });

  it('running it again changes nothing (an interrupted copy is finished by rerunning it)', async () => {
    const commits = hub.repos.get('model', 'acme/demo')!.commits.size;
    const again = await copyRegistry({ from: folder, to: onHub });
    expect(again.models[0]).toMatchObject({ versionsCopied: 0, aliasChangesCopied: 0 });
    expect(hub.repos.get('model', 'acme/demo')!.commits.size).toBe(commits);
  });

  it('imports back from the Hub into an empty folder: same versions, files and aliases, a fresh verified chain', async () => {
    const back = new FileModelRegistry(join(fixture.root, 'registry-b'));
    await copyRegistry({ from: onHub, to: back });
    const original = await folder.getModel('demo');
    const restored = await back.getModel('demo');
    expect(restored.versions.map((version) => [version.version, version.fingerprint, version.artifact.sha256])).toEqual(
      original.versions.map((version) => [version.version, version.fingerprint, version.artifact.sha256]),
    );
    expect(restored.aliases).toEqual(original.aliases);
    expect(await back.verifyStoredFiles()).toEqual([]);
    expect((await back.auditHealth()).events).toBe(6);
  });

  it('refuses to copy a version whose stored file no longer matches its recorded sha256, and copies nothing of it', async () => {
    const model = join(await folder.versionFiles('demo', 2), 'model.onnx');
    const original = readFileSync(model);
    writeFileSync(model, Buffer.concat([original.subarray(0, 100), Buffer.from('tampered'), original.subarray(108)]));
    try {
      const target = new FileModelRegistry(join(fixture.root, 'registry-damaged'));
      await expect(copyRegistry({ from: folder, to: target })).rejects.toThrow(/model\.onnx does not match the sha256 recorded for demo v2/);
      expect((await target.getModel('demo')).versions.map((version) => version.version)).toEqual([1]);
    } finally {
      writeFileSync(model, original);
    }
  });

  it('refuses a copy whose target changed while it ran (versions, aliases and alias histories compared at the end)', async () => {
    const target = new FileModelRegistry(join(fixture.root, 'registry-moving'));
    // Someone promotes in the target right after v2 landed there, before the copy's own promotions.
    const meddling = new Proxy(target, {
      get(registry, property) {
        if (property === 'register') {
          return async (params: Parameters<FileModelRegistry['register']>[0]) => {
            const result = await registry.register(params);
            if (result.version.version === 2)
              await registry.promote({ model: 'demo', version: 1, alias: 'canary', approval: { by: 'mallory', reason: 'meddling' } });
            return result;
          };
        }
        const value = Reflect.get(registry, property, registry);
        return typeof value === 'function' ? value.bind(registry) : value;
      },
    });
    await expect(copyRegistry({ from: folder, to: meddling })).rejects.toThrow(/After the copy, demo differs between .*registry-a and .*registry-moving/);
    expect((await target.getModel('demo')).aliases).toMatchObject({ canary: 1 });
  });

  it('refuses to merge into a registry whose history of the model differs', async () => {
    const other = new FileModelRegistry(join(fixture.root, 'registry-c'));
    fixture.writeModel(randomBytes(1024));
    await runPushStage({ fixture, config: { target: 'registry' }, registry: other, env: {} });
    await expect(copyRegistry({ from: folder, to: other })).rejects.toThrow(/demo v1 differs between .*registry-a and .*registry-c/);
  });
});
