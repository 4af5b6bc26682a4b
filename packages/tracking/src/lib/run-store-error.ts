import { ReproError } from '@reproml/core';

/** The run store could not be opened, read or written: corrupted, locked, unreachable, too new, or missing. */
export class RunStoreError extends ReproError {
  override name = 'RunStoreError';
  override readonly code = 'RUN_STORE';
}

/** Turns a driver failure (better-sqlite3 or node-postgres) into a message that says which store and what to do. */
export function describeStoreFailure(error: unknown, label: string): RunStoreError {
  if (error instanceof RunStoreError) return error;
  return /^postgres(ql)?:\/\//i.test(label) ? describePostgresFailure(error, label) : describeSqliteFailure(error, label);
}

function describeSqliteFailure(error: unknown, path: string): RunStoreError {
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

/** PostgreSQL SQLSTATE codes and socket errors a user can do something about. */
function describePostgresFailure(error: unknown, url: string): RunStoreError {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  const message = error instanceof Error ? error.message : String(error);
  const fallback = 'Check REPROML_TRACKING_URL, or unset it to use the SQLite store on this machine.';
  const fail = (what: string, hint: string) => new RunStoreError(`the run store ${url} ${what} (${message})`, { file: url, hint, cause: error });
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return fail('cannot be reached', `Is PostgreSQL running and listening there? ${fallback}`);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return fail('names a host that does not resolve', fallback);
  if (/timeout|terminated/i.test(message)) {
    return fail('did not answer in time', `The server is down, unreachable or overloaded; REPROML_TRACKING_CONNECT_TIMEOUT_MS bounds the wait. ${fallback}`);
  }
  if (code === '28P01' || code === '28000') return fail('refused the credentials', 'Check the user and password in REPROML_TRACKING_URL.');
  if (code === '3D000') return fail('names a database that does not exist', 'Create it (createdb <name>) or fix the database name in the URL.');
  if (code === '42501') {
    return fail('refused a write: the role lacks a privilege', 'Read-only credentials can list and report, not record or annotate; use a role that may write.');
  }
  return fail('failed', fallback);
}
