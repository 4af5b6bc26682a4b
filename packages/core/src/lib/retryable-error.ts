import { ReproError } from './errors';
import type { ProgressListener } from './progress';

/**
 * A failure that another attempt may not meet (a dropped connection, a stalled download).
 * Packages mark their own such errors by extending it, so core can tell them apart without
 * knowing every package.
 */
export class TransientError extends Error {
  override name = 'TransientError';
}

/** Operating-system error codes of network and resource failures that pass on their own. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EPIPE',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EBUSY',
  'EAGAIN',
  'EMFILE',
  'ENFILE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * Whether a stage's `retries` may run it again after `error`: transient network and I/O
 * failures (TransientError, the codes above, also as a `cause`), never a typed ReproError
 * (ConfigError, DataError, IntegrityError, a timeout...): those say something definite that
 * another attempt would only repeat, unless it was made `transient` (a download that failed
 * even after its own retries on a dropped connection).
 */
export function isRetryableError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current instanceof ReproError) return current.transient;
    if (current instanceof TransientError) return true;
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  }
  return false;
}

/**
 * Runs `attempt`, and again up to `retries` more times while it fails with a retryable error,
 * logging each retry. The last error, or the first one that is not retryable, is thrown.
 */
export async function retryTransientFailures<T>(retries: number, progress: ProgressListener, attempt: () => Promise<T>): Promise<T> {
  for (let failures = 0; ; failures++) {
    try {
      return await attempt();
    } catch (error) {
      if (failures >= retries || !isRetryableError(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      progress({ type: 'log', level: 'warn', message: `attempt ${failures + 1} of ${retries + 1} failed (${message}); retrying from a clean output folder` });
    }
  }
}
