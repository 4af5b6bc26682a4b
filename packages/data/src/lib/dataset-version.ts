import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { ConfigError, DataError, parseConfig, parseJsonText, parseStageOutput, sha256OfBytes } from '@reproml/core';
import { ContentStore } from './content-store';
import { type DatasetLock, datasetLockSchema, LOCK_FILE_NAME, type LockedFile } from './dataset-lock';
import { openSource } from './dataset-source';
import { readBlobAt } from './git-revision';
import { type FileValidationReport, inspectDatasetFile } from './inspect-dataset-file';
import { nxCacheDirectory, nxCachedCopies } from './nx-cache-copies';
import { profileOutput } from './profile-document';
import type { TableProfile } from './profile-table';
import { type PullStageConfig, pullStageConfigSchema } from './pull-stage-config';
import { PROFILE_FILE, VALIDATION_FILE } from './run-pull';
import { type SourceEnvironment, sourceEnvironmentFromEnv } from './source-environment';

/** One locked file of a dataset version, with what `pull` would know about it. */
export interface DatasetVersionFile {
  locked: LockedFile;
  profile: TableProfile;
  validation: FileValidationReport;
  /**
   * Where the profile came from: the stage's current `out/` (same bytes), an earlier result of
   * the stage in Nx's local cache (same bytes), a recorded run of the stage, or the data itself.
   */
  from: 'out' | 'nx-cache' | 'run-store' | 'data';
}

export interface DatasetVersion {
  /** What the user named (a revision, a tag, or "working tree"). */
  label: string;
  /** The commit the lock was read at; null for the working tree. */
  commit: string | null;
  /** sha256 of the lock file's bytes: names this version in changelogs. */
  lockSha256: string;
  lock: DatasetLock;
  files: Record<string, DatasetVersionFile>;
}

export interface LoadDatasetVersionParams {
  workspaceRoot: string;
  /** Workspace-relative stage folder, e.g. pipelines/penguins/data. */
  stageRoot: string;
  /** Nx project name, for messages. */
  stage: string;
  /** A commit to read the stage and lock files at, or null for the working tree. */
  commit: string | null;
  label: string;
  environment?: SourceEnvironment;
  warn?: (message: string) => void;
  /** Nx's local cache folder, searched for earlier results of the stage. Default: where Nx keeps it (`nxCacheDirectory`). */
  nxCacheDir?: string;
  /** The profile and validation a recorded pull run wrote for these bytes (the run store), tried before reading the data. */
  recorded?: (key: string, locked: LockedFile) => Promise<Pick<DatasetVersionFile, 'profile' | 'validation'> | undefined>;
}

/**
 * A pull stage's dataset as one version locked it: the lock and stage file at a commit (or in
 * the working tree), and for each locked file its profile and validation. Profiles come from
 * the stage's `out/` when it holds the same bytes, else from an earlier result of the stage in
 * Nx's local cache that holds them, else from a recorded run (`recorded`); otherwise the
 * locked bytes are read from git (local sources), the content store, or fetched at the locked
 * revision and checked against the lock's sha256, then read with the stage file's rules of
 * that version.
 */
export async function loadDatasetVersion(params: LoadDatasetVersionParams): Promise<DatasetVersion> {
  const lockFile = posix.join(params.stageRoot, LOCK_FILE_NAME);
  const stageFile = posix.join(params.stageRoot, 'stage.json');
  const lockBytes = readVersionFile(params, lockFile);
  const lock = parseConfig({
    schema: datasetLockSchema,
    value: parseJsonText(lockBytes.toString('utf8'), lockFile, params.stage),
    file: lockFile,
    stage: params.stage,
  });
  const config = parseConfig({
    schema: pullStageConfigSchema,
    value: parseJsonText(readVersionFile(params, stageFile).toString('utf8'), stageFile, params.stage),
    file: stageFile,
    stage: params.stage,
  });
  const files: Record<string, DatasetVersionFile> = {};
  for (const key of Object.keys(lock.files).sort()) files[key] = await loadVersionFile(params, config, key, lock.files[key]!);
  return { label: params.label, commit: params.commit, lockSha256: sha256OfBytes(lockBytes), lock, files };
}

function readVersionFile(params: LoadDatasetVersionParams, path: string): Buffer {
  if (params.commit === null) {
    const absolute = join(params.workspaceRoot, path);
    if (!existsSync(absolute)) throw new ConfigError(`${path} does not exist`, { stage: params.stage, file: path });
    return readFileSync(absolute);
  }
  const bytes = readBlobAt(params.workspaceRoot, params.commit, path);
  if (!bytes) {
    throw new ConfigError(`${path} is not in ${params.label} (${params.commit.slice(0, 12)})`, {
      stage: params.stage,
      file: path,
      hint: 'Name a revision at which the stage was locked and committed.',
    });
  }
  return bytes;
}

async function loadVersionFile(params: LoadDatasetVersionParams, config: PullStageConfig, key: string, locked: LockedFile): Promise<DatasetVersionFile> {
  const outDir = posix.join(params.stageRoot, 'out');
  const fromOut = readOutProfile(join(params.workspaceRoot, outDir), key, locked, 'out');
  if (fromOut) return fromOut;
  for (const copy of nxCachedCopies(params.nxCacheDir ?? nxCacheDirectory(params.workspaceRoot), outDir)) {
    const fromCache = readOutProfile(copy, key, locked, 'nx-cache');
    if (fromCache) return fromCache;
  }
  const recorded = await params.recorded?.(key, locked);
  if (recorded) return { locked, ...recorded, from: 'run-store' };
  const spec = config.files[key];
  const bytes = await lockedBytes(params, key, locked, spec?.revision);
  const inspected = await inspectDatasetFile({
    data: { bytes },
    format: locked.format,
    source: locked.source,
    spec: spec ?? {},
    schema: spec?.schema ?? config.schema,
    file: `${key} (${locked.source} in ${params.label})`,
  });
  return { locked, profile: inspected.profile, validation: inspected.validation, from: 'data' };
}

/** The profile `pull` wrote into an `out/` folder (the stage's, or a cached copy of it), when it holds exactly the locked bytes. */
function readOutProfile(outDir: string, key: string, locked: LockedFile, from: 'out' | 'nx-cache'): DatasetVersionFile | undefined {
  const data = join(outDir, `${key}.${locked.format}`);
  if (!existsSync(data) || !existsSync(join(outDir, PROFILE_FILE)) || !existsSync(join(outDir, VALIDATION_FILE))) return undefined;
  if (statSync(data).size !== locked.size || sha256OfBytes(readFileSync(data)) !== locked.sha256) return undefined;
  try {
    // Through the contract: a version 1 profile (all figures exact) reads as version 2.
    const profile = parseStageOutput(profileOutput, JSON.parse(readFileSync(join(outDir, PROFILE_FILE), 'utf8')), PROFILE_FILE).files[key];
    const validation = JSON.parse(readFileSync(join(outDir, VALIDATION_FILE), 'utf8')).files?.[key] as FileValidationReport | undefined;
    return profile && validation ? { locked, profile, validation, from } : undefined;
  } catch {
    return undefined;
  }
}

/** The locked bytes, from wherever they are without a download first; verified against the lock. */
async function lockedBytes(params: LoadDatasetVersionParams, key: string, locked: LockedFile, revision: string | undefined): Promise<Uint8Array> {
  const environment = params.environment ?? sourceEnvironmentFromEnv();
  const warn = params.warn ?? ((message: string) => process.stderr.write(`warning: ${message}\n`));
  const store = new ContentStore(environment.storeDir, warn);
  const candidates: (() => Promise<Uint8Array | undefined>)[] = [
    async () => readBlobAt(params.workspaceRoot, params.commit ?? 'HEAD', locked.source),
    async () => {
      const stored = await store.lookup(locked.sha256);
      return stored ? readFile(stored.path) : undefined;
    },
    async () => {
      const source = openSource({
        source: locked.source,
        revision,
        context: {
          workspaceRoot: params.workspaceRoot,
          environment,
          store,
          warn,
          location: { stage: params.stage, file: posix.join(params.stageRoot, 'stage.json'), field: `files.${key}.source` },
        },
      });
      const fetched = await source.materialize({ revision: locked.revision, expectedSha256: locked.sha256 });
      return readFile(fetched.path);
    },
  ];
  for (const candidate of candidates) {
    const bytes = await candidate();
    if (bytes && sha256OfBytes(bytes) === locked.sha256) return bytes;
  }
  throw new DataError(`The bytes ${params.label} locked for '${key}' (${locked.source}, sha256 ${locked.sha256.slice(0, 12)}…) are nowhere to be found`, {
    stage: params.stage,
    hint: 'git, the content store and the source itself hold other bytes now: name a revision whose data is still reachable, or pull that version once.',
  });
}
