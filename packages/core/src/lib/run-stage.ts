import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, posix, relative, sep } from 'node:path';
import { describeWriteFailure, writeDirectoryAtomic, writeFileAtomic } from './atomic-write';
import { captureEnvironment } from './environment';
import { withStage } from './errors';
import { readGitState } from './git-state';
import { digestFiles, sha256OfFile } from './hash';
import type { InputArtifact, LineageRecord, RunMetadata, StageIdentity } from './lineage-record';
import { createProgressReporter, type ProgressEvent, type ProgressListener } from './progress';
import type { ReadScope } from './read-scope';
import { retryTransientFailures } from './retryable-error';
import { SeededRandom } from './seeded-random';
import { stableStringify } from './stable-json';
import { LINEAGE_FILE } from './stage-layout';
import { withStageTimeout } from './stage-timeout';
import { type AccessPolicy, withStrictAccess } from './strict-access';

export interface StageContext {
  readonly stage: StageIdentity;
  readonly workspaceRoot: string;
  /** Git pathspecs of the files the stage's result depends on (`RunStageParams.gitPathspecs`); undefined = the whole tree. */
  readonly gitPathspecs?: readonly string[];
  /** Temp folder that becomes the stage's output folder when the work succeeds. */
  readonly outDir: string;
  readonly rng: SeededRandom;
  /** The stage's seed (its stage file's `seed`, else DEFAULT_SEED): the one source for every artifact that records it. */
  readonly seed: number;
  /** Reports progress; shown as a bar on a TTY and plain lines otherwise. */
  readonly progress: ProgressListener;
  /** Aborted when the stage exceeds its `timeout`: long work (a child process, a fetch) should stop on it. */
  readonly signal: AbortSignal;
  log(message: string): void;
  warn(message: string): void;
  /** Records a file the stage read, with its sha256, in the lineage record. */
  recordInput(absolutePath: string, from: string): Promise<InputArtifact>;
  /** Adds figures to the lineage summary (shapes, counts, metrics). */
  summarize(values: Record<string, unknown>): void;
}

export interface RunStageParams {
  stage: StageIdentity;
  config: Record<string, unknown>;
  /** Default: DEFAULT_SEED. */
  seed?: number;
  workspaceRoot: string;
  /** Absolute path of the stage's output folder (the Nx `outputs` of its `run` target). */
  outputDir: string;
  /** Packages whose versions go into the lineage record. */
  packages: readonly string[];
  /** Folders to resolve those packages from (default: the workspace root). */
  resolvePackagesFrom?: readonly string[];
  /**
   * Strict mode: what the work may read inside the workspace (what the `run` target hashes)
   * and which folders there it may change besides its temp output folder and its run folder
   * (where the run metadata goes), which are always allowed. Omit to allow every access.
   */
  strict?: { reads: readonly (ReadScope | string)[]; writes: readonly string[] };
  /** Where the run metadata of this execution is written (outside the cached outputs). */
  runMetadataPath?: string;
  /**
   * Git pathspecs of the files the stage's result depends on (what its cache key covers):
   * the run metadata's `git.dirty` says whether any of them is uncommitted. Default: the
   * whole working tree.
   */
  gitPathspecs?: readonly string[];
  onProgress?: ProgressListener;
  /** The stage file's `timeout` (seconds or a duration string), per attempt. Default: none. */
  timeout?: number | string;
  /** The stage file's `retries`: extra attempts after a transient failure (see isRetryableError). Default: 0. */
  retries?: number;
  work: (context: StageContext) => Promise<void>;
}

export interface RunStageResult {
  lineage: LineageRecord;
  metadata: RunMetadata;
}

/** The seed of a stage whose file sets none: the one default. */
export const DEFAULT_SEED = 42;

/** Default place of a stage's run metadata: outside every project, so it is never hashed. */
export function defaultRunMetadataPath(workspaceRoot: string, stageName: string): string {
  return join(workspaceRoot, '.reproml', 'runs', stageName, 'last-run.json');
}

/**
 * Runs one stage: the work writes into a temp folder; on success the lineage record is
 * added and the folder is swapped into place atomically. On failure nothing is left at
 * the output path that a downstream stage or the Nx cache could take.
 */
export async function runStage(params: RunStageParams): Promise<RunStageResult> {
  const startedAt = new Date();
  const seed = params.seed ?? DEFAULT_SEED;
  // Nx already prefixes each line of a task's output with its project name.
  const prefix = process.env.NX_TASK_TARGET_PROJECT ? undefined : params.stage.name;
  const reporter = params.onProgress ?? createProgressReporter({ prefix });
  const phases = new PhaseClock();
  const progress: ProgressListener = (event: ProgressEvent) => {
    if (event.type === 'phase') phases.start(event.phase);
    reporter(event);
  };
  const metadataPath = params.runMetadataPath ?? defaultRunMetadataPath(params.workspaceRoot, params.stage.name);
  const retries = params.retries ?? 0;

  try {
    const lineage = await retryTransientFailures(retries, progress, () => runAttempt(params, { seed, progress, metadataPath }));
    const metadata = buildMetadata(params, startedAt, phases, 'succeeded');
    await writeFileAtomic(metadataPath, stableStringify(metadata));
    return { lineage, metadata };
  } catch (error) {
    const failure = withStage(describeWriteFailure(error, params.outputDir), params.stage.name);
    const metadata = buildMetadata(params, startedAt, phases, 'failed', failure.message);
    await writeFileAtomic(metadataPath, stableStringify(metadata)).catch(() => undefined);
    throw failure;
  }
}

/**
 * One attempt: the work writes into a fresh temp folder (removed if it fails or times out),
 * which becomes the output folder with its lineage record when it succeeds.
 */
async function runAttempt(params: RunStageParams, shared: { seed: number; progress: ProgressListener; metadataPath: string }): Promise<LineageRecord> {
  const { seed, progress, metadataPath } = shared;
  const inputs: InputArtifact[] = [];
  const summary: Record<string, unknown> = {};
  const abort = new AbortController();
  return writeDirectoryAtomic(params.outputDir, async (outDir) => {
    const context: StageContext = {
      stage: params.stage,
      workspaceRoot: params.workspaceRoot,
      gitPathspecs: params.gitPathspecs,
      outDir,
      rng: new SeededRandom(seed),
      seed,
      progress,
      signal: abort.signal,
      log: (message) => progress({ type: 'log', level: 'info', message }),
      warn: (message) => progress({ type: 'log', level: 'warn', message }),
      recordInput: async (absolutePath, from) => {
        const artifact: InputArtifact = {
          path: toWorkspacePath(params.workspaceRoot, absolutePath),
          sha256: await sha256OfFile(absolutePath),
          size: (await stat(absolutePath)).size,
          from,
        };
        inputs.push(artifact);
        return artifact;
      },
      summarize: (values) => Object.assign(summary, values),
    };
    const work = async (): Promise<void> => {
      if (params.strict) {
        const policy: AccessPolicy = {
          workspaceRoot: params.workspaceRoot,
          reads: [...params.strict.reads, outDir],
          // The run folder holds what is kept outside the cached outputs (run metadata, a failed pull's or drift's report).
          writes: [...params.strict.writes, outDir, dirname(metadataPath)],
          stage: params.stage.name,
          stageFile: params.stage.file,
        };
        await withStrictAccess(policy, () => params.work(context));
      } else {
        await params.work(context);
      }
    };
    if (params.timeout === undefined) await work();
    else await withStageTimeout({ stage: params.stage, limit: params.timeout, abort: (reason) => abort.abort(reason) }, work);
    const record: LineageRecord = {
      schemaVersion: 1,
      stage: params.stage,
      config: params.config,
      seed,
      inputs: [...inputs].sort((a, b) => a.path.localeCompare(b.path)),
      outputs: (await digestFiles(outDir)).filter((file) => file.path !== LINEAGE_FILE),
      environment: captureEnvironment({
        workspaceRoot: params.workspaceRoot,
        packages: params.packages,
        resolveFrom: params.resolvePackagesFrom,
      }),
      summary,
    };
    await writeFileAtomic(join(outDir, LINEAGE_FILE), stableStringify(record));
    return record;
  });
}

function buildMetadata(params: RunStageParams, startedAt: Date, phases: PhaseClock, status: RunMetadata['status'], error?: string): RunMetadata {
  const git = readGitState(params.workspaceRoot, { pathspecs: params.gitPathspecs });
  return {
    schemaVersion: 1,
    stage: params.stage.name,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    host: hostname(),
    pid: process.pid,
    status,
    ...(error ? { error } : {}),
    ...(git ? { git } : {}),
    phases: phases.finish(),
  };
}

export function toWorkspacePath(workspaceRoot: string, absolutePath: string): string {
  return relative(workspaceRoot, absolutePath).split(sep).join(posix.sep);
}

class PhaseClock {
  private readonly done: { phase: string; durationMs: number }[] = [];
  private current?: { phase: string; startedAt: number };

  start(phase: string): void {
    this.stop();
    this.current = { phase, startedAt: Date.now() };
  }

  finish(): { phase: string; durationMs: number }[] {
    this.stop();
    return this.done;
  }

  private stop(): void {
    if (this.current) this.done.push({ phase: this.current.phase, durationMs: Date.now() - this.current.startedAt });
    this.current = undefined;
  }
}
