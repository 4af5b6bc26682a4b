import { DataError, isRetryableError, ReproError } from '@reproml/core';
import type { SourceLocation } from './dataset-source';
import { isTransientNetworkError } from './retrying-fetch';

/**
 * Every failure of fetching a source reaches the user as a typed error that names the source
 * and where it is declared (stage, stage file, field): a ReproError thrown deep inside a fetch
 * gets the location added; anything else (a reset connection after the retries, a download
 * that kept coming out short, undici's bare "fetch failed") becomes a DataError with its cause.
 */
export function sourceFailure(error: unknown, source: string, location: SourceLocation): ReproError {
  if (error instanceof ReproError) {
    if (error.field) return error;
    const message = error.message.includes(source) ? error.message : `${source}: ${error.message}`;
    const Kind = error.constructor as new (message: string, options: object) => ReproError;
    return new Kind(message, { ...location, hint: error.hint, cause: error.cause ?? error, transient: error.transient });
  }
  return new DataError(`Cannot download ${source}: ${describeCause(error)}`, {
    ...location,
    cause: error,
    // A stage's `retries` may try again after a network failure; not after anything else (a bug, a refused certificate).
    transient: isRetryableError(error) || isTransientNetworkError(error),
    hint: 'The download failed even after the retries (REPROML_HTTP_RETRIES): check the URL and your network, then try again.',
  });
}

/** The message of an error and of its causes ("fetch failed: getaddrinfo ENOTFOUND example.org"). */
function describeCause(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    const text = current instanceof Error ? `${current.name === 'Error' ? '' : `${current.name}: `}${current.message}` : String(current);
    if (!parts.some((part) => part.includes(text))) parts.push(text);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ');
}

/** Content codings fetch decodes itself; the hashed bytes are then the decoded file. */
const DECODED_CODINGS = new Set(['gzip', 'x-gzip', 'deflate', 'br']);

/**
 * The Content-Length to check a body against, from a response's headers. A content coding
 * (RFC 9110 §8.4) belongs to the message, not to the file: fetch decodes gzip/deflate/br, so
 * the bytes hashed are the file's own, and Content-Length (the encoded size) cannot be checked
 * against them. A coding fetch does not decode would hand over encoded bytes: refused.
 */
export function expectedBodySize(headers: Headers, source: string): number | undefined {
  const codings = (headers.get('content-encoding') ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding && coding !== 'identity');
  const unknown = codings.filter((coding) => !DECODED_CODINGS.has(coding));
  if (unknown.length) {
    throw new DataError(`${source} was sent with Content-Encoding '${unknown.join(', ')}', which ReproML cannot decode`, {
      hint: 'The sha256 must be taken over the file itself: ask the server to send it unencoded (ReproML asks for Accept-Encoding: identity) or with gzip, deflate or br.',
    });
  }
  if (codings.length) return undefined;
  const length = headers.get('content-length');
  return length === null ? undefined : Number(length);
}
