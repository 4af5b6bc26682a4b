import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileModelRegistry } from '@reproml/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startInferenceServer } from '../lib/inference-server';
import { registryModelSource } from '../lib/registry-model-source';
import { createServedModelFixture, FIXTURE_MODEL, fixtureRows } from '../testing/served-model-fixture';
import { DEFAULT_BASE_IMAGE } from './dockerfile';
import { packageModel } from './package-model';

const WORKSPACE_ROOT = join(__dirname, '..', '..', '..', '..');
const PNPM = ['--yes', 'pnpm@10.34.9'];

let root: string;
let registry: FileModelRegistry;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'reproml-package-'));
  ({ registry } = await createServedModelFixture(root));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Starts `node server.js` in a folder; resolves with its URL once it listens, or rejects with its output when it exits first. */
function startPackaged(dir: string) {
  const child = spawn(process.execPath, ['server.js'], { cwd: dir, env: { ...process.env, REPROML_SERVE_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = / at (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`server.js exited (${code}):\n${output}`)));
  });
  return { child, url, exited, output: () => output };
}

describe('reproml package', () => {
  it('writes a folder that installs offline in another directory and serves the same predictions as the registry server', async () => {
    const outDir = join(root, 'packaged');
    const { manifest } = await packageModel({ registry, name: FIXTURE_MODEL, selector: 'production', outDir, workspaceRoot: WORKSPACE_ROOT });
    expect(manifest).toMatchObject({
      model: FIXTURE_MODEL,
      version: 1,
      selector: 'production',
      fingerprint: (await registry.getVersion(FIXTURE_MODEL, 1)).fingerprint,
    });

    const packageJson = JSON.parse(await readFile(join(outDir, 'package.json'), 'utf8'));
    expect(packageJson.dependencies).toEqual({ 'onnxruntime-node': '1.30.0' });
    const lock = parse(await readFile(join(outDir, 'pnpm-lock.yaml'), 'utf8'));
    expect(lock.importers['.'].dependencies['onnxruntime-node']).toEqual({ specifier: '1.30.0', version: '1.30.0' });
    // Every locked package carries its integrity hash, with the versions the workspace locked.
    const workspaceLock = parse(await readFile(join(WORKSPACE_ROOT, 'pnpm-lock.yaml'), 'utf8'));
    for (const [key, entry] of Object.entries(lock.packages)) expect(entry).toEqual(workspaceLock.packages[key]);
    const dockerfile = await readFile(join(outDir, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`FROM ${DEFAULT_BASE_IMAGE}\n`);
    expect(dockerfile).toMatch(/^FROM \S+@sha256:[0-9a-f]{64}$/m);
    const healthcheck = /^HEALTHCHECK [^\n]*\\\n\s+CMD (\[.*\])$/m.exec(dockerfile);
    expect(healthcheck, dockerfile).not.toBeNull();
    const [command, ...args] = JSON.parse(healthcheck![1]!) as string[];
    const probe = (port: string) =>
      spawnSync(command === 'node' ? process.execPath : command!, args, { env: { ...process.env, REPROML_SERVE_PORT: port }, timeout: 10_000 }).status;
    expect(dockerfile).toContain('pnpm install --frozen-lockfile --prod');

    // A separate directory, no workspace above it: install from the local pnpm store only.
    const deployed = await mkdtemp(join(tmpdir(), 'reproml-deployed-'));
    try {
      await cp(outDir, deployed, { recursive: true });
      execFileSync('npx', [...PNPM, 'install', '--frozen-lockfile', '--offline'], {
        cwd: deployed,
        env: { ...process.env, COREPACK_INTEGRITY_KEYS: '0' },
        stdio: 'pipe',
      });
      const packaged = startPackaged(deployed);
      const url = await packaged.url;
      const rows = fixtureRows(30, 21).map((row) => ({ x0: Number.isNaN(row.x0) ? null : row.x0, x1: row.x1, tag: row.tag }));
      const predict = async (base: string) =>
        (await (await fetch(`${base}/predict`, { method: 'POST', body: JSON.stringify({ rows }) })).json()) as Record<string, unknown>;
      const reference = await startInferenceServer({ source: registryModelSource({ registry, name: FIXTURE_MODEL, selector: '1' }), options: { port: 0 } });
      try {
        expect(await predict(url)).toEqual(await predict(reference.url));
      } finally {
        await reference.drain();
      }
      // The Dockerfile's HEALTHCHECK command, run as Docker would: healthy while serving, unhealthy once stopped.
      const { port } = new URL(url);
      expect(probe(port)).toBe(0);
      const metadata = (await (await fetch(`${url}/v2/models/${FIXTURE_MODEL}`)).json()) as { parameters: Record<string, unknown> };
      expect(metadata.parameters).toMatchObject({ version: 1, fingerprint: manifest.fingerprint, source: `${FIXTURE_MODEL}@production (packaged v1)` });
      packaged.child.kill('SIGTERM');
      expect(await packaged.exited).toBe(0);
      expect(packaged.output()).toMatch(/SIGTERM: draining/);
      expect(probe(port)).toBe(1);

      // A model file changed after packaging is refused at start.
      await writeFile(join(deployed, 'model', 'model.onnx'), await readFile(join(root, 'pipelines/p/train-7/out/model.onnx')));
      const tampered = startPackaged(deployed);
      await expect(tampered.url).rejects.toThrow(/model\.onnx has sha256 [0-9a-f]{64}, the package manifest records/);
      expect(await tampered.exited).toBe(1);
    } finally {
      await rm(deployed, { recursive: true, force: true });
    }
  }, 240_000);

  it('refuses a base image that is not pinned by digest', async () => {
    await expect(
      packageModel({
        registry,
        name: FIXTURE_MODEL,
        selector: 'production',
        outDir: join(root, 'unpinned'),
        workspaceRoot: WORKSPACE_ROOT,
        baseImage: 'node:20-slim',
      }),
    ).rejects.toThrow(/base image 'node:20-slim' is not pinned by digest/);
  });
});
