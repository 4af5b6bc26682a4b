import { z } from 'zod';
import { promotionGatesSchema } from './metric-gates';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'should be 64 lowercase hex characters');

export const fileEntrySchema = z.object({ path: z.string().min(1), sha256, size: z.number().int().nonnegative() });
export type FileEntry = z.infer<typeof fileEntrySchema>;

/** Where a version's files are: the registry's own folder, or a commit of a Hub repo. */
export const pushLocationSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('local'),
    /** Folder of the files, relative to the registry root. */
    path: z.string(),
  }),
  z.object({
    type: z.literal('hub'),
    hubUrl: z.string(),
    repo: z.string(),
    branch: z.string(),
    /** The Hub commit that holds exactly these files. */
    commit: z.string().regex(/^[0-9a-f]{40}$/),
    url: z.string(),
  }),
]);
export type PushLocation = z.infer<typeof pushLocationSchema>;

export const datasetReferenceSchema = z.object({
  /** Key of the file in its pull stage. */
  key: z.string(),
  source: z.string(),
  /** Hub commit sha of the dataset, or null for local files and URLs (pinned by sha256 only). */
  revision: z.string().nullable(),
  sha256,
  stage: z.string(),
});
export type DatasetReference = z.infer<typeof datasetReferenceSchema>;

/** Where a version came from: enough to rebuild it and to check the rebuild. */
export const versionSourceSchema = z.object({
  pipeline: z.string(),
  /** Nx project and stage file of the push stage. */
  pushStage: z.string(),
  stageFile: z.string(),
  /** Nx project that produced the model file, and the file's workspace path. */
  modelStage: z.string(),
  modelPath: z.string(),
  /** Every stage the model depends on, upstream first (Nx project names). */
  stages: z.array(z.object({ name: z.string(), kind: z.string(), file: z.string() })),
  /**
   * The workspace commit when the version was pushed. dirty = a file the model's stages
   * hash (stage folders, lock files, local sources, ReproML code, the lockfile) was
   * uncommitted; then `uncommitted` lists them with a sha256 over their content (a push
   * from a dirty chain needs `allowDirty`).
   */
  git: z
    .object({
      commit: z.string(),
      dirty: z.boolean(),
      uncommitted: z.object({ files: z.array(z.string()), sha256 }).optional(),
    })
    .nullable(),
  datasets: z.array(datasetReferenceSchema),
});
export type VersionSource = z.infer<typeof versionSourceSchema>;

/** One immutable version of a model in the registry (written once, never edited). */
export const modelVersionSchema = z.object({
  schemaVersion: z.literal(1),
  model: z.string(),
  version: z.number().int().positive(),
  /** sha256 over the sorted (path, sha256) of the artifact files: equal fingerprints = same version. */
  fingerprint: sha256,
  /** The model file itself. */
  artifact: fileEntrySchema,
  /** Every file pushed (model card and manifest included). */
  files: z.array(fileEntrySchema),
  /** Numeric metrics of the evaluate stage. */
  metrics: z.record(z.string(), z.number()),
  /** Gates of the push stage file when the version was pushed (promotion uses the stage file's current gates when it can read them). */
  gates: promotionGatesSchema,
  source: versionSourceSchema,
  location: pushLocationSchema,
  createdAt: z.string(),
});
export type ModelVersion = z.infer<typeof modelVersionSchema>;

export const approvalSchema = z.object({
  by: z.string().min(1),
  reason: z.string().min(1),
  at: z.string(),
  /** The account the Hub reports for the token that made the change (`whoami`); absent for a folder registry. */
  identity: z.string().optional(),
});
export type Approval = z.infer<typeof approvalSchema>;
