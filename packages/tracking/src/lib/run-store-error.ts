import { ReproError } from '@reproml/core';

/** The run store could not be opened, read or written: corrupted, locked, too new, or missing. */
export class RunStoreError extends ReproError {
  override name = 'RunStoreError';
  override readonly code = 'RUN_STORE';
}

/** Turns a better-sqlite3 failure into a message that says which file and what to do. */
export function describeStoreFailure(error: unknown, path: string): RunStoreError {
  if (error instanceof RunStoreError) return error;
  const code = (error as { code?: string } | undefined)?.code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /not a database|malformed/i.test(message)) {
    return new RunStoreError(`the run store ${path} is not a readable SQLite database (${message})`, {
      file: path,
      hint: `Move it away (mv '${path}' '${path}.broken'); the next run starts a new store.`,
      cause: error,
    });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new RunStoreError(`the run store ${path} is locked by another process (${message})`, {
      file: path,
      hint: 'Another ReproML or sqlite3 process holds a write lock; wait for it or end it, then run again.',
      cause: error,
    });
  }
  if (/Could not locate the bindings file|better_sqlite3\.node|NODE_MODULE_VERSION/.test(message)) {
    return new RunStoreError(`the SQLite driver (better-sqlite3) is not built for this Node (${message.split('\n')[0]})`, {
      hint: 'Reinstall dependencies (npm test or npm run demo installs them), or set REPROML_TRACKING=off.',
      cause: error,
    });
  }
  return new RunStoreError(`the run store ${path} failed: ${message}`, { file: path, cause: error });
}
