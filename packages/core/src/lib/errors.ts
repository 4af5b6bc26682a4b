/**
 * Typed errors. Every error a user can cause names where it happened (stage, file,
 * field) and says what to do next, so the message alone is enough to fix the problem.
 */
export interface ReproErrorLocation {
  /** Nx project name of the stage, e.g. `penguins-data`. */
  stage?: string;
  /** Workspace-relative path of the file involved. */
  file?: string;
  /** Dotted path of the field involved, e.g. `files.penguins.sha256`. */
  field?: string;
}

export interface ReproErrorOptions extends ReproErrorLocation {
  /** What the user should do next. */
  hint?: string;
  cause?: unknown;
  /**
   * The failure may pass on its own (a download that kept failing on a dropped connection):
   * a stage's `retries` may run the stage again. Default: false (typed errors say something definite).
   */
  transient?: boolean;
}

export class ReproError extends Error {
  override name = 'ReproError';
  readonly code: string = 'REPRO_ERROR';
  readonly stage?: string;
  readonly file?: string;
  readonly field?: string;
  readonly hint?: string;
  readonly transient: boolean;

  constructor(message: string, options: ReproErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.transient = options.transient ?? false;
    this.stage = options.stage;
    this.file = options.file;
    this.field = options.field;
    this.hint = options.hint;
  }

  /** One readable block: where, what, and what to do next. */
  describe(): string {
    const where = [this.stage && `stage ${this.stage}`, this.file && `file ${this.file}`, this.field && `field ${this.field}`].filter(Boolean);
    const lines = [`${where.length ? `[${where.join(', ')}] ` : ''}${this.message}`];
    if (this.hint) lines.push(`  → ${this.hint}`);
    return lines.join('\n');
  }
}

/** A stage file, lock file or option that does not match its schema. */
export class ConfigError extends ReproError {
  override name = 'ConfigError';
  override readonly code = 'CONFIG_INVALID';
}

/** Bytes on disk or over the wire that do not match what a lock or manifest promises. */
export class IntegrityError extends ReproError {
  override name = 'IntegrityError';
  override readonly code = 'INTEGRITY_MISMATCH';
}

/** Data that breaks its declared schema or cannot be read. */
export class DataError extends ReproError {
  override name = 'DataError';
  override readonly code = 'DATA_INVALID';
}

/** A file or folder that a stage needs and cannot find or write. */
export class StageIOError extends ReproError {
  override name = 'StageIOError';
  override readonly code = 'STAGE_IO';
}

/** Work whose origin cannot be recorded truthfully: e.g. a push that depends on files that are not committed. */
export class ProvenanceError extends ReproError {
  override name = 'ProvenanceError';
  override readonly code = 'UNCOMMITTED_CHANGES';
}

export function isReproError(error: unknown): error is ReproError {
  return error instanceof ReproError;
}

/** Adds the stage name to an error that lacks one; wraps foreign errors. */
export function withStage(error: unknown, stage: string): ReproError {
  if (error instanceof ReproError) {
    if (error.stage) return error;
    Object.defineProperty(error, 'stage', { value: stage });
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ReproError(message, { stage, cause: error });
}
