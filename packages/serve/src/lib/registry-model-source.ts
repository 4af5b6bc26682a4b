import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, IntegrityError, StageIOError, sha256OfBytes } from '@reproml/core';
import type { ModelRegistry, ModelVersion, PushLocation } from '@reproml/hub';
import type { ModelRef, ModelSource } from './model-source';

/** `<model>@<alias|version>` as the CLI takes it; a bare `<model>` means `@production`. */
export function parseModelSelector(text: string): { name: string; selector: string } {
  const [name, selector = 'production', ...rest] = text.split('@');
  if (!name || rest.length > 0 || selector === '') {
    throw new ConfigError(`'${text}' is not <model>@<alias|version>`, { hint: 'For example: reproml serve penguins@production, or penguins@3.' });
  }
  return { name, selector };
}

const isVersionNumber = (selector: string) => /^v?\d+$/.test(selector);

/**
 * A model in a registry, through the `ModelRegistry` interface only (so a folder registry and
 * a Hub-backed one serve alike): `resolve` is `getVersion(name, alias)`, which the server
 * polls to follow promotes and rollbacks; a version number never moves.
 */
export function registryModelSource(params: { registry: ModelRegistry; name: string; selector: string }): ModelSource {
  const { registry, name, selector } = params;
  const follows = !isVersionNumber(selector);
  const versions = new Map<number, ModelVersion & { locations: PushLocation[] }>();
  return {
    label: `${name}@${selector}`,
    ...(follows ? { alias: selector } : {}),
    follows,
    async resolve(): Promise<ModelRef> {
      const version = await registry.getVersion(name, follows ? selector : Number(selector.replace(/^v/, '')));
      versions.set(version.version, version);
      return { name, version: version.version, fingerprint: version.fingerprint };
    },
    async readModel(ref: ModelRef) {
      const version = versions.get(ref.version) ?? (await registry.getVersion(name, ref.version));
      return readVersionArtifact(registry, version);
    },
  };
}

/** The artifact (model.onnx) of a version from the registry's own copy (on the Hub: its version commit), sha256-checked. */
export async function readVersionArtifact(
  registry: Pick<ModelRegistry, 'kind' | 'versionFiles'>,
  version: ModelVersion & { locations: PushLocation[] },
): Promise<{ bytes: Uint8Array; file: string }> {
  const label = `${version.model} v${version.version}`;
  if (registry.kind === 'folder' && !version.locations.some((location) => location.type === 'local')) {
    throw new StageIOError(
      `${label} has no copy in the registry folder (it was pushed to ${version.locations.map((location) => location.type).join(', ')} only)`,
      {
        hint: 'Push it with "target": "registry" too (a push stage with both targets keeps a local copy), then serve it.',
      },
    );
  }
  const path = join(await registry.versionFiles(version.model, version.version), version.artifact.path);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new StageIOError(`cannot read ${label}'s model file ${path}: ${(error as Error).message}`, {
      file: path,
      hint: 'The registry folder is incomplete; restore it from a backup or push the version again.',
      cause: error,
    });
  }
  const sha256 = sha256OfBytes(bytes);
  if (sha256 !== version.artifact.sha256) {
    throw new IntegrityError(`${label}'s model file ${path} has sha256 ${sha256}, the registry recorded ${version.artifact.sha256}`, {
      file: path,
      hint: 'The file was changed after it was pushed; it will not be served. Restore the registry folder, or push the model again.',
    });
  }
  return { bytes, file: path };
}
