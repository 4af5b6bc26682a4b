import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stableStringify, writeDirectoryAtomic } from '@reproml/core';
import type { ModelRegistry } from '@reproml/hub';
import { readVersionArtifact } from '../lib/registry-model-source';
import { checkBaseImage, DEFAULT_BASE_IMAGE, dockerfile } from './dockerfile';
import { PACKAGE_MANIFEST_FILE, PACKAGED_MODEL_DIR, type PackageManifest, packageManifestSchema } from './package-manifest';
import { packagedLockfile } from './packaged-lockfile';

/** What a packaged folder installs: the one native dependency the bundled server keeps outside server.js. */
const RUNTIME_DEPENDENCIES = ['onnxruntime-node'] as const;
/** The workspace package whose locked versions the folder pins. */
const RUNTIME_IMPORTER = 'packages/serve';
const PACKAGE_MANAGER = 'pnpm@10.34.9';
const PORT = 8080;

export interface PackageModelParams {
  registry: ModelRegistry;
  name: string;
  selector: string;
  /** Folder to write (replaced atomically). */
  outDir: string;
  workspaceRoot: string;
  baseImage?: string;
  onStep?: (step: string) => void;
}

/**
 * `reproml package`: a deployable folder for one registry version — the model file and a
 * manifest (version, fingerprint, sha256), server.js (the serve package bundled with esbuild;
 * only onnxruntime-node stays a dependency), package.json and pnpm-lock.yaml pinned to the
 * versions this workspace locked, and a Dockerfile (base image pinned by digest, HEALTHCHECK).
 * `pnpm install --frozen-lockfile && node server.js` serves it; nothing in it refers back to
 * the workspace or the registry.
 */
export async function packageModel(params: PackageModelParams): Promise<{ dir: string; manifest: PackageManifest }> {
  const baseImage = checkBaseImage(params.baseImage ?? DEFAULT_BASE_IMAGE);
  const version = await params.registry.getVersion(params.name, /^v?\d+$/.test(params.selector) ? Number(params.selector.replace(/^v/, '')) : params.selector);
  const step = params.onStep ?? (() => {});
  step(`${params.name}@${params.selector} is v${version.version} (fingerprint ${version.fingerprint.slice(0, 12)}…)`);
  const { bytes } = await readVersionArtifact(params.registry, version);
  const lock = await packagedLockfile({ workspaceRoot: params.workspaceRoot, dependencies: RUNTIME_DEPENDENCIES, importer: RUNTIME_IMPORTER });
  const manifest = packageManifestSchema.parse({
    schemaVersion: 1,
    model: version.model,
    version: version.version,
    selector: params.selector,
    fingerprint: version.fingerprint,
    artifact: version.artifact,
    metrics: version.metrics,
    source: { pipeline: version.source.pipeline, git: version.source.git },
    versionCreatedAt: version.createdAt,
    runtime: { node: process.version, onnxruntimeNode: lock.versions['onnxruntime-node']!, baseImage },
  });
  await writeDirectoryAtomic(params.outDir, async (dir) => {
    await mkdir(join(dir, PACKAGED_MODEL_DIR));
    await writeFile(join(dir, PACKAGED_MODEL_DIR, version.artifact.path), bytes);
    await writeFile(join(dir, PACKAGE_MANIFEST_FILE), stableStringify(manifest));
    step('bundling server.js');
    await bundleServer(join(dir, 'server.js'));
    await writeFile(join(dir, 'package.json'), `${JSON.stringify(packageJson(manifest, lock.versions), null, 2)}\n`);
    await writeFile(join(dir, 'pnpm-lock.yaml'), lock.text);
    await writeFile(join(dir, 'Dockerfile'), dockerfile({ baseImage, packageManager: PACKAGE_MANAGER, port: PORT }));
    await writeFile(join(dir, '.dockerignore'), 'node_modules\n');
  });
  step(`wrote ${params.outDir}`);
  return { dir: params.outDir, manifest };
}

function packageJson(manifest: PackageManifest, versions: Record<string, string>) {
  return {
    name: `reproml-served-${manifest.model.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`,
    version: `${manifest.version}.0.0`,
    private: true,
    description: `${manifest.model} v${manifest.version} (fingerprint ${manifest.fingerprint}) served over the Open Inference Protocol v2 by ReproML`,
    scripts: { start: 'node server.js' },
    engines: { node: '>=20.19.0' },
    packageManager: PACKAGE_MANAGER,
    dependencies: versions,
    // onnxruntime-node's install script would fetch GPU binaries; its CPU binaries ship in the package.
    pnpm: { ignoredBuiltDependencies: Object.keys(versions) },
  };
}

/** Bundles the packaged server entry (and every @reproml module it uses) into one CommonJS file. */
async function bundleServer(outfile: string): Promise<void> {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [join(__dirname, 'packaged-server.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // The @reproml packages' TypeScript sources, not their compiled dist/ (whose __dirname points back at the sources).
    conditions: ['@reproml/source'],
    external: [...RUNTIME_DEPENDENCIES],
    legalComments: 'inline',
    logLevel: 'error',
    banner: { js: '// Generated by reproml package: the @reproml/serve server, bundled. Run: node server.js' },
  });
}
