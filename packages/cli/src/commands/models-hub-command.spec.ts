import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256OfBytes } from '@reproml/core';
import { FileModelRegistry } from '@reproml/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubServer, nonLoopbackAddress, startHubServer } from '../../../../tools/hub-server';

const BIN = join(__dirname, '..', '..', 'bin', 'reproml.js');
const WRITER = 'hf_cliWRITERtoken0001';
const READER = 'hf_cliREADERtoken0002';

/** `reproml models <args>` in `cwd`, asynchronously (a Hub in this process answers meanwhile). */
function runModels(cwd: string, args: string[], env: Record<string, string>) {
  return new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [BIN, 'models', ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } }, (error, stdout, stderr) =>
      resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** `reproml models …` against a Hub registry (REPROML_REGISTRY=hf://acme on hub-server), and export/import between a folder and the Hub. */
describe('reproml models with REPROML_REGISTRY=hf://<namespace>', () => {
  let hub: HubServer;
  let root: string;
  const folder = () => join(root, 'folder-registry');
  const run = (args: string[], env: Record<string, string>) => runModels(root, args, { ...hub.env, ...env });
  const onHub = (token: string) => ({ REPROML_REGISTRY: 'hf://acme', HF_TOKEN: token });

  beforeAll(async () => {
    hub = await startHubServer();
    hub.addToken(WRITER, 'ci', { orgs: ['acme'] });
    hub.addToken(READER, 'viewer', { orgs: ['acme'], role: 'read' });
    root = mkdtempSync(join(tmpdir(), 'reproml-models-hub-'));
    writeFileSync(join(root, 'nx.json'), '{}');
    const registry = new FileModelRegistry(folder());
    for (const [number, bytes] of [
      [1, 'model one'],
      [2, 'model two'],
    ] as const) {
      const file = join(root, `model-${number}.onnx`);
      writeFileSync(file, bytes);
      const sha256 = sha256OfBytes(bytes);
      await registry.register({
        version: {
          model: 'demo',
          fingerprint: sha256OfBytes(`fp${number}`),
          artifact: { path: 'model.onnx', sha256, size: bytes.length },
          files: [{ path: 'model.onnx', sha256, size: bytes.length }],
          metrics: { accuracy: 0.9 + number / 100 },
          gates: {},
          source: {
            pipeline: 'demo',
            pushStage: 'demo-push',
            stageFile: 'gone/stage.json',
            modelStage: 'demo-train',
            modelPath: 'm',
            stages: [],
            git: null,
            datasets: [],
          },
        },
        location: { type: 'local' },
        files: [{ path: 'model.onnx', sha256, size: bytes.length, absolutePath: file }],
      });
    }
    await registry.promote({ model: 'demo', version: 1, alias: 'production', approval: { by: 'alice', reason: 'CHG-1' } });
  });
  afterAll(async () => {
    await hub.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('export copies the folder registry to the Hub, verified; list and show work the same there', async () => {
    const exported = await run(['export', 'hf://acme'], { REPROML_REGISTRY: folder(), HF_TOKEN: WRITER });
    expect(exported.stderr).toContain('export: demo: 2 version(s), aliases production=v1 — verified');
    expect(exported.stdout).toMatch(/demo: 2 of 2 version\(s\) and 1 alias change\(s\) copied; aliases production=v1; verified/);
    expect(exported.status).toBe(0);
    const listed = await run(['list', '--json'], onHub(READER));
    expect(JSON.parse(listed.stdout).models).toEqual([{ name: 'demo', versions: 2, latest: 2, aliases: { production: 1 } }]);
    const shown = await run(['show', 'demo', 'production'], onHub(READER));
    expect(shown.stdout).toMatch(/demo v1 {2}← production[\s\S]*stored at {4}hf:\/\/acme\/demo@[0-9a-f]{12}/);
  });

  it('a read-only token cannot promote; a write token promotes with its whoami identity beside the approver', async () => {
    const refused = await run(['promote', 'demo', '2', 'production', '--approved-by', 'viewer', '--reason', 'try'], onHub(READER));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('HF_TOKEN of viewer is read-only');
    const promoted = await run(['promote', 'demo', '2', 'production', '--approved-by', 'bob', '--reason', 'CHG-2'], onHub(WRITER));
    expect(promoted.stdout).toMatch(/promoted demo v2 to 'production' \(was v1\)[\s\S]*approved by bob \(token of ci\) at /);
    expect(new TextDecoder().decode(hub.repos.get('model', 'acme/demo')!.resolve('production')!.files.get('model.onnx'))).toBe('model two');
  });

  it('audit verifies every chain and exits 1 naming an alias branch moved outside ReproML', async () => {
    expect((await run(['audit'], onHub(READER))).stdout).toContain('every alias branch is at the commit its log names');
    // Someone moves the branch on the Hub (the Hub-client version of this is in hub-model-registry.spec.ts).
    const repo = hub.repos.get('model', 'acme/demo')!;
    repo.branches.set('production', repo.resolve('main')!.oid);
    const audit = await run(['audit'], onHub(READER));
    expect(audit.status).toBe(1);
    expect(audit.stdout).toMatch(/✗ branch 'production' of acme\/demo is at [0-9a-f]{40}, but the audit log puts 'production' at v2 .*moved outside ReproML/);
  });

  it('import copies the Hub registry into an empty folder', async () => {
    const target = join(root, 'restored');
    const imported = await run(['import', 'hf://acme', '--json'], { REPROML_REGISTRY: target, HF_TOKEN: READER });
    expect(imported.status).toBe(0);
    expect(JSON.parse(imported.stdout).models[0]).toMatchObject({ name: 'demo', versionsCopied: 2, aliasChangesCopied: 2, aliases: { production: 2 } });
    expect((await new FileModelRegistry(target).getModel('demo')).aliasHistory).toEqual({ production: [1, 2] });
  });
});

/**
 * The transport policy of the Hub registry: reads are refused over plain http too (versions,
 * audit log and model bytes could be forged on the way, hashes included), before any request.
 * "Another machine" is a hub-server on this machine's own non-loopback address (eth0).
 */
describe('reproml models refuses a Hub registry over plain http', () => {
  let remote: HubServer;
  let remoteUrl: string;
  let local: HubServer;
  let root: string;
  const commands = [['list'], ['show', 'demo', '1'], ['promote', 'demo', '1', 'production', '--approved-by', 'alice', '--reason', 'CHG-1']];

  beforeAll(async () => {
    const address = nonLoopbackAddress();
    remote = await startHubServer({ host: address ?? '127.0.0.1' });
    // Without a non-loopback address, a name that never resolves stands for the other machine.
    remoteUrl = address ? remote.url : 'http://hub.invalid';
    local = await startHubServer();
    for (const hub of [remote, local]) hub.addToken(WRITER, 'ci', { orgs: ['acme'] });
    root = mkdtempSync(join(tmpdir(), 'reproml-models-http-'));
    writeFileSync(join(root, 'nx.json'), '{}');
  });
  afterAll(async () => {
    await remote.close();
    await local.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('list, show and promote against another machine: refused with or without a token, even with the loopback opt-in; no request sent', async () => {
    for (const args of commands) {
      for (const token of [{ HF_TOKEN: WRITER }, { HF_TOKEN: '' }]) {
        const result = await runModels(root, args, { REPROML_REGISTRY: 'hf://acme', HF_ENDPOINT: remoteUrl, REPROML_ALLOW_HTTP_LOCALHOST: '1', ...token });
        expect(result.status, `${args[0]} ${token.HF_TOKEN ? 'with' : 'without'} a token`).not.toBe(0);
        expect(result.stderr).toContain(`HF_ENDPOINT '${remoteUrl}' is refused: plain http:// is not allowed (data and tokens would travel in the clear)`);
        expect(result.stderr).toContain('Use an https:// Hub endpoint');
      }
    }
    expect(remote.requests).toEqual([]);
  });

  it('a Hub on loopback: refused without REPROML_ALLOW_HTTP_LOCALHOST=1 (no request), accepted with it', async () => {
    const refused = await runModels(root, ['list'], { REPROML_REGISTRY: 'hf://acme', HF_ENDPOINT: local.url, REPROML_ALLOW_HTTP_LOCALHOST: '', HF_TOKEN: '' });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain(`HF_ENDPOINT '${local.url}' is refused`);
    expect(local.requests).toEqual([]);
    const accepted = await runModels(root, ['list', '--json'], { REPROML_REGISTRY: 'hf://acme', ...local.env, HF_TOKEN: WRITER });
    expect(accepted.stderr).toBe('');
    expect(JSON.parse(accepted.stdout).models).toEqual([]);
    expect(local.requests.length).toBeGreaterThan(0);
  });
});
