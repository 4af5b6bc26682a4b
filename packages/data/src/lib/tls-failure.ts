import { DataError } from '@reproml/core';

/** Node's codes for a server certificate that could not be verified. */
const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The certificate error behind fetch's generic "fetch failed", if that is what it was. */
export function certificateFailure(error: unknown): { code: string; message: string } | undefined {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return code && CERTIFICATE_CODES.has(code) ? { code, message: String(cause?.message ?? code) } : undefined;
}

/**
 * A certificate failure is definite (retrying cannot help) and fetch hides it behind
 * "fetch failed": say which host, why, and how a private CA is trusted.
 */
export function certificateError(url: string, failure: { code: string; message: string }): DataError {
  const host = new URL(url).host.replace(/:\d+$/, '');
  return new DataError(`The TLS certificate of ${host} is not trusted (${failure.message}) fetching ${url}`, {
    hint: `If the server uses a private or self-signed CA, trust it for this run: NODE_EXTRA_CA_CERTS=/path/to/ca.pem. Never turn verification off: the lock's sha256 would still catch altered bytes, but not a server that is not the one you meant.`,
  });
}
