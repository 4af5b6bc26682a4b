import { fileEntrySchema } from '@reproml/hub';
import { z } from 'zod';

/** The manifest of a packaged model folder: which version it holds, checked by the packaged server before it serves. */
export const PACKAGE_MANIFEST_FILE = 'reproml-package.json';
export const PACKAGED_MODEL_DIR = 'model';

export const packageManifestSchema = z
  .object({
    schemaVersion: z.literal(1),
    model: z.string(),
    version: z.number().int().positive(),
    /** What was asked for when packaging (`production`, `3`). */
    selector: z.string(),
    fingerprint: z.string(),
    /** The model file under model/, with the sha256 the registry recorded. */
    artifact: fileEntrySchema,
    metrics: z.record(z.string(), z.number()),
    source: z.object({ pipeline: z.string(), git: z.object({ commit: z.string(), dirty: z.boolean() }).nullable() }),
    versionCreatedAt: z.string(),
    runtime: z.object({ node: z.string(), onnxruntimeNode: z.string(), baseImage: z.string() }),
  })
  .strict();
export type PackageManifest = z.infer<typeof packageManifestSchema>;
