import { z } from 'zod';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'should be 64 lowercase hex characters');

export const artifactSchema = z.object({
  /** Workspace-relative path for inputs; path inside the output folder for outputs. */
  path: z.string().min(1),
  sha256,
  size: z.number().int().nonnegative(),
});
export type Artifact = z.infer<typeof artifactSchema>;

export const inputArtifactSchema = artifactSchema.extend({
  /** Where the input came from: an upstream stage (`penguins-data`), `source`, or `stage-file`. */
  from: z.string().min(1),
});
export type InputArtifact = z.infer<typeof inputArtifactSchema>;

export const environmentSchema = z.object({
  node: z.string(),
  platform: z.string(),
  arch: z.string(),
  /** Installed versions of the packages the stage's work depends on. */
  packages: z.record(z.string(), z.string()),
  /** sha256 of the workspace lockfile, null when there is none. */
  lockfileSha256: sha256.nullable(),
});
export type Environment = z.infer<typeof environmentSchema>;

export const stageIdentitySchema = z.object({
  /** Nx project name, `<pipeline>-<stage>`. */
  name: z.string().min(1),
  pipeline: z.string().min(1),
  kind: z.string().min(1),
  /** Workspace-relative path of the stage file. */
  file: z.string().min(1),
});
export type StageIdentity = z.infer<typeof stageIdentitySchema>;

/**
 * What a stage wrote and from what: deterministic, so two clean runs give the same bytes.
 * Anything that varies between runs (times, host) lives in the run metadata instead.
 */
export const lineageRecordSchema = z.object({
  schemaVersion: z.literal(1),
  stage: stageIdentitySchema,
  config: z.record(z.string(), z.unknown()),
  seed: z.number().int().nullable(),
  inputs: z.array(inputArtifactSchema),
  outputs: z.array(artifactSchema),
  environment: environmentSchema,
  /** Figures the stage wants auditors to see (shapes, counts, metrics). */
  summary: z.record(z.string(), z.unknown()),
});
export type LineageRecord = z.infer<typeof lineageRecordSchema>;

/** The part of a run that differs every time; never part of the cached artifacts. */
export const runMetadataSchema = z.object({
  schemaVersion: z.literal(1),
  stage: z.string(),
  startedAt: z.string(),
  durationMs: z.number().nonnegative(),
  host: z.string(),
  pid: z.number().int(),
  status: z.enum(['succeeded', 'failed']),
  /** The workspace's git commit when the stage ran, and whether files the stage depends on (its chain's hashed inputs) differed from it, untracked ones included. */
  git: z.object({ commit: z.string(), dirty: z.boolean() }).optional(),
  error: z.string().optional(),
  phases: z.array(z.object({ phase: z.string(), durationMs: z.number().nonnegative() })),
});
export type RunMetadata = z.infer<typeof runMetadataSchema>;
