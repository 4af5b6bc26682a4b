import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { ReproError } from '@reproml/core';
import { openRegistry } from '@reproml/hub';
import { buildChainFromStage, bundledRecords, type LineageChain } from './lineage-chain';
import { stageOfArtifact } from './stage-layout';

/** `penguins@3` or `penguins@production`. */
const MODEL_VERSION = /^([A-Za-z0-9][\w.-]*)@([\w.-]+)$/;

export function isModelVersionReference(target: string): boolean {
  return MODEL_VERSION.test(target) && !target.includes('/');
}

/**
 * The lineage of a registry version, from the records its push bundled (so it still
 * works after the workspace's outputs have moved on), down to the raw data.
 */
export async function buildRegistryLineageChain(workspaceRoot: string, target: string): Promise<LineageChain> {
  const [, name, which] = MODEL_VERSION.exec(target) as unknown as [string, string, string];
  const registry = openRegistry({ workspaceRoot });
  const version = await registry.getVersion(name, /^\d+$/.test(which) ? Number(which) : which);
  const location = stageOfArtifact(version.source.modelPath);
  if (!location) {
    throw new ReproError(`${name} v${version.version} names a model path outside a stage's out/ folder: ${version.source.modelPath}`, {
      hint: 'The registry entry was not written by a ReproML push stage.',
    });
  }
  const filesDir = await registry.versionFiles(name, version.version);
  const fileInOut = posix.basename(version.source.modelPath);
  const stored = join(filesDir, fileInOut);
  const chain = await buildChainFromStage({
    workspaceRoot,
    location,
    records: bundledRecords(join(filesDir, 'lineage')),
    // Hub-only versions keep no copy of the model here; their chain still stands.
    artifact: existsSync(stored) ? { label: `${name} v${version.version} ${fileInOut}`, fileInOut, absolutePath: stored } : undefined,
  });
  return { ...chain, origin: { model: name, version: version.version, git: version.source.git ?? undefined } };
}
