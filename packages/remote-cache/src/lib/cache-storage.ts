import type { Readable } from 'node:stream';

/**
 * Where cache records live. The server speaks HTTP and checks tokens; a storage keeps
 * opaque records (Nx sends a tar archive per task hash) and promises three things:
 * a record is never half-written, never overwritten once stored, and never handed out
 * if its bytes no longer match the sha256 taken when it was stored.
 * The filesystem backend is the one shipped; an S3-compatible backend implements the same
 * interface (conditional PUT `If-None-Match: *` for "never overwritten", the sha256 in
 * object metadata, lifecycle rules or a size scan for eviction).
 */
export interface CacheStorage {
  /** True when a record for `hash` is stored (its bytes are not checked here). */
  has(hash: string): Promise<boolean>;
  /** Opens a verified record, or says why there is none. */
  get(hash: string): Promise<CacheGetResult>;
  /** Stores `body` under `hash` unless a record is already there; the body is consumed either way on success. */
  put(hash: string, body: AsyncIterable<Uint8Array>): Promise<CachePutResult>;
  stats(): CacheStorageStats;
  close(): Promise<void>;
}

export interface CacheRecordInfo {
  hash: string;
  /** Bytes of the record body. */
  size: number;
  /** sha256 of the body, taken while it was received. */
  sha256: string;
  storedAt: string;
}

export type CacheGetResult =
  | { status: 'hit'; record: CacheRecordInfo; body: Readable }
  | { status: 'miss' }
  /** The stored bytes do not match their sha256 (or the record is incomplete); it was moved to quarantine. */
  | { status: 'corrupt'; reason: string };

export type CachePutResult =
  | { status: 'stored'; record: CacheRecordInfo; evicted: string[] }
  /** Another PUT stored this hash first; records are never overwritten. */
  | { status: 'exists' };

export interface CacheStorageStats {
  records: number;
  bytes: number;
  maxBytes: number;
}

/** A record hash must be a single safe path segment: Nx sends decimal digits. */
export const CACHE_HASH_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function isValidCacheHash(hash: string): boolean {
  return CACHE_HASH_PATTERN.test(hash);
}
