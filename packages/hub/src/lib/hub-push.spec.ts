import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubServer, nonLoopbackAddress, startHubServer } from '../../../../tools/hub-server';
import { createPushFixture, type PushFixture, runPushStage } from '../testing/push-fixture';
import { FileModelRegistry } from './file-model-registry';

const TOKEN = 'hf_PLANTEDsecretTOKEN0123456789';

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('push to the Hub with the real @huggingface/hub client', () => {
  let hub: HubServer;
  let fixture: PushFixture;
  let registry: FileModelRegistry;
  let env: NodeJS.ProcessEnv;
  const target = 'hf://alice/demo-model';

  beforeAll(async () => {
    hub = await startHubServer();
    hub.addToken(TOKEN, 'alice');
    hub.addToken('hf_bob', 'bob');
    fixture = createPushFixture({ modelBytes: randomBytes(5 * 1024 * 1024 + 17) });
    registry = new FileModelRegistry(join(fixture.root, '.reproml/registry'));
    env = { ...hub.env, HF_TOKEN: TOKEN, REPROML_HTTP_RETRY_BASE_MS: '1' };
  });
  afterAll(async () => {
    await hub.close();
    rmSync(fixture.root, { recursive: true, force: true });
  });

  it('first push creates a private repo and commits model, card, lineage, metrics and transform; the multi-MB model goes through LFS, verified by sha256 on the server', async () => {
    const { receipt } = await runPushStage({ fixture, config: { target }, registry, env });
    const repo = hub.repos.get('model', 'alice/demo-model')!;
    expect(repo.isPrivate).toBe(true);
    const head = repo.resolve('main')!;
    expect(receipt.hub).toEqual({ commit: head.oid, changed: true, createdRepo: true });
    expect([...head.files.keys()].sort()).toEqual([
      '.gitattributes',
      'README.md',
      'lineage/demo-data.json',
      'lineage/demo-evaluate.json',
      'lineage/demo-preprocess.json',
      'lineage/demo-train.json',
      'metrics.json',
      'model.json',
      'model.onnx',
      'reproml-model.json',
      'transform.json',
    ]);
    const local = readFileSync(join(fixture.root, fixture.modelOutDir, 'model.onnx'));
    const sha256 = createHash('sha256').update(local).digest('hex');
    expect(hub.lfs.has(sha256)).toBe(true);
    expect(createHash('sha256').update(head.files.get('model.onnx')!).digest('hex')).toBe(sha256);
    expect(hub.requests.some((line) => line.startsWith('PUT /lfs-upload/'))).toBe(true);
    expect(receipt).toMatchObject({ model: 'demo', version: 1, created: true, artifact: { path: 'model.onnx', sha256 } });
    expect(receipt.location).toMatchObject({ type: 'hub', repo: 'alice/demo-model', commit: head.oid });
  });

  it('a second push of the same artifacts makes no commit and no new version', async () => {
    const before = hub.requests.length;
    const commits = hub.repos.get('model', 'alice/demo-model')!.commits.size;
    const { receipt, logs } = await runPushStage({ fixture, config: { target }, registry, env });
    expect(hub.repos.get('model', 'alice/demo-model')!.commits.size).toBe(commits);
    expect(hub.requests.slice(before).some((line) => /\/commit\/|lfs/.test(line))).toBe(false);
    expect(receipt).toMatchObject({ version: 1, created: false, hub: { changed: false } });
    expect(logs.join('\n')).toContain('no new version');
    expect((await registry.getModel('demo')).versions).toHaveLength(1);
  });

  it('a changed model gives a new commit and version 2, retrying injected 5xx answers', async () => {
    fixture.writeModel(randomBytes(4096));
    hub.faults.failNext(2, { status: 503, match: /preupload/ });
    hub.faults.failNext(1, { status: 500, match: /\/commit\/main$/ });
    const commits = hub.repos.get('model', 'alice/demo-model')!.commits.size;
    const { receipt, logs } = await runPushStage({ fixture, config: { target }, registry, env });
    expect(hub.repos.get('model', 'alice/demo-model')!.commits.size).toBe(commits + 1);
    expect(receipt).toMatchObject({ version: 2, created: true, hub: { changed: true, createdRepo: false } });
    expect(logs.filter((line) => line.startsWith('warn:') && /HTTP 50[03]/.test(line))).toHaveLength(3);
  });

  it('a wrong token fails with a clear 401 message that does not echo the token', async () => {
    const wrong = 'hf_wrongWRONGwrong';
    const failure = await runPushStage({ fixture, config: { target }, registry, env: { ...env, HF_TOKEN: wrong } }).catch(
      (error: unknown) => error as Error & { hint?: string },
    );
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain('HTTP 401 Unauthorized pushing to hf://alice/demo-model');
    expect((failure as { hint?: string }).hint).toContain('HF_TOKEN');
    expect(JSON.stringify({ message: (failure as Error).message, hint: (failure as { hint?: string }).hint })).not.toContain(wrong);
  });

  it('refuses to push without HF_TOKEN, and to another user namespace', async () => {
    await expect(runPushStage({ fixture, config: { target }, registry, env: { ...env, HF_TOKEN: '' } })).rejects.toThrow(/needs a Hugging Face token/);
    await expect(runPushStage({ fixture, config: { target: 'hf://alice/other' }, registry, env: { ...env, HF_TOKEN: 'hf_bob' } })).rejects.toThrow(/HTTP 403/);
  });

  it('never pushes over plain http to another machine, even with the loopback opt-in (refused before any request)', async () => {
    // "Another machine": a hub-server on this machine's own non-loopback address (eth0), or a name that never resolves.
    const address = nonLoopbackAddress();
    const remote = await startHubServer({ host: address ?? '127.0.0.1' });
    try {
      remote.addToken(TOKEN, 'alice');
      const remoteUrl = address ? remote.url : 'http://hub.invalid';
      const refused = runPushStage({ fixture, config: { target }, registry, env: { ...env, HF_ENDPOINT: remoteUrl } });
      await expect(refused).rejects.toThrow(`HF_ENDPOINT '${remoteUrl}' is refused: plain http:// is not allowed`);
      await expect(refused).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'HF_ENDPOINT', file: 'pipelines/demo/push/stage.json' });
      expect(remote.requests).toEqual([]);
    } finally {
      await remote.close();
    }
  });

  it('pushes to a loopback Hub over plain http only with REPROML_ALLOW_HTTP_LOCALHOST=1 (refused before any request)', async () => {
    const before = hub.requests.length;
    const refused = runPushStage({ fixture, config: { target }, registry, env: { ...env, REPROML_ALLOW_HTTP_LOCALHOST: '' } });
    await expect(refused).rejects.toThrow(`HF_ENDPOINT '${hub.url}' is refused: plain http:// is not allowed (data and tokens would travel in the clear)`);
    await expect(refused).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'HF_ENDPOINT', stage: 'demo-push' });
    expect(hub.requests.length).toBe(before);
  });

  it('never writes the token: not in outputs, lineage, model card, run metadata, registry or logs', async () => {
    const { logs } = await runPushStage({ fixture, config: { target }, registry, env });
    const files = listFiles(fixture.root).filter((file) => statSync(file).size < 64 * 1024 * 1024);
    expect(files.some((file) => file.includes('.reproml/registry/'))).toBe(true);
    expect(files.some((file) => file.endsWith('push/out/lineage.json'))).toBe(true);
    for (const file of files) expect(readFileSync(file).includes(TOKEN), file).toBe(false);
    expect(logs.join('\n')).not.toContain(TOKEN);
    for (const [, content] of hub.repos.get('model', 'alice/demo-model')!.resolve('main')!.files) expect(Buffer.from(content).includes(TOKEN)).toBe(false);
  });
});
