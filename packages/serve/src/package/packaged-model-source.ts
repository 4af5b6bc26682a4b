import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IntegrityError, parseConfig, sha256OfBytes } from '@reproml/core';
import type { ModelSource } from '../lib/model-source';
import { PACKAGE_MANIFEST_FILE, PACKAGED_MODEL_DIR, type PackageManifest, packageManifestSchema } from './package-manifest';

/** The model of a packaged folder: one fixed version, its file checked against the manifest's sha256. */
export async function packagedModelSource(dir: string): Promise<ModelSource & { manifest: PackageManifest }> {
  const manifestPath = join(dir, PACKAGE_MANIFEST_FILE);
  const manifest = parseConfig({ schema: packageManifestSchema, value: JSON.parse(await readFile(manifestPath, 'utf8')), file: PACKAGE_MANIFEST_FILE });
  const ref = { name: manifest.model, version: manifest.version, fingerprint: manifest.fingerprint };
  return {
    manifest,
    label: `${manifest.model}@${manifest.selector} (packaged v${manifest.version})`,
    follows: false,
    resolve: async () => ref,
    async readModel() {
      const file = join(dir, PACKAGED_MODEL_DIR, manifest.artifact.path);
      const bytes = await readFile(file);
      const sha256 = sha256OfBytes(bytes);
      if (sha256 !== manifest.artifact.sha256) {
        throw new IntegrityError(`${file} has sha256 ${sha256}, the package manifest records ${manifest.artifact.sha256}`, {
          file,
          hint: 'The packaged model was changed after packaging; package it again with reproml package.',
        });
      }
      return { bytes, file };
    },
  };
}
