/**
 * What a file-system error says about the storage, as opposed to about one record:
 * - `cannot-write`: the storage cannot take writes now (disk full, quota, read-only mount,
 *   permissions, the storage folder deleted or replaced). Reads may still work; the server
 *   degrades to read-only (PUT answers 403, which Nx accepts) instead of failing runs.
 * - `unavailable`: a transient condition of the machine (too many open files, I/O error,
 *   out of memory, a busy or stale mount). The record is kept: it is not evidence of damage.
 * Only a verified sha256/size mismatch or a record whose meta.json does not parse is damage
 * (quarantined); this classification keeps an errno from ever being mistaken for it.
 */
export type StorageFailureKind = 'cannot-write' | 'unavailable';

const CANNOT_WRITE = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EFBIG', 'ENOENT', 'ENOTDIR']);
const UNAVAILABLE = new Set(['EMFILE', 'ENFILE', 'EIO', 'EAGAIN', 'EBUSY', 'ENOMEM', 'ETIMEDOUT', 'ESTALE', 'EINTR', 'ENXIO', 'ENODEV']);

const OUT_OF_SPACE = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/** A full disk, a quota or a file-size limit: a small write may pass where a record does not. */
export function isOutOfSpace(code: string | undefined): boolean {
  return code !== undefined && OUT_OF_SPACE.has(code);
}

/** The errno code of a Node file-system error, if it has one. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/** The storage condition an errno stands for; undefined for errors that are not file-system errors. */
export function classifyStorageError(error: unknown): StorageFailureKind | undefined {
  const code = errnoCode(error);
  if (!code) return undefined;
  if (CANNOT_WRITE.has(code)) return 'cannot-write';
  if (UNAVAILABLE.has(code)) return 'unavailable';
  // An errno we did not foresee is still about the machine, never about a record's bytes.
  return 'unavailable';
}

/** A storage operation failed because of the storage (not the record, not the client). */
export class StorageFailureError extends Error {
  override name = 'StorageFailureError';
  constructor(
    readonly kind: StorageFailureKind,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Wraps a file-system error of `operation` into a StorageFailureError; other errors pass through unchanged. */
export function storageFailure(error: unknown, operation: string): unknown {
  if (error instanceof StorageFailureError) return error;
  const kind = classifyStorageError(error);
  if (!kind) return error;
  return new StorageFailureError(kind, errnoCode(error)!, `${operation}: ${(error as Error).message}`, { cause: error });
}

/** Runs a file-system step and turns its errno failure into a StorageFailureError naming the step. */
export async function storageStep<T>(operation: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw storageFailure(error, operation);
  }
}
