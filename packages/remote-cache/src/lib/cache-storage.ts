import type { Readable } from 'node:stream';
import type { StorageFailureKind } from './storage-errors';

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
  /** Probes whether records can be read and written now (cheap: a few metadata calls and a one-byte write). */
  health(): Promise<CacheStorageHealth>;
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
  | { status: 'corrupt'; reason: string }
  /** The storage could not be read now (too many open files, an I/O error, the folder gone); the record is kept. */
  | { status: 'unavailable'; reason: string };

export type CachePutResult =
  | { status: 'stored'; record: CacheRecordInfo; evicted: string[] }
  /** Another PUT stored this hash first; records are never overwritten. */
  | { status: 'exists' }
  /** The storage could not take the record (disk full, read-only, folder gone); nothing was kept. */
  | { status: 'not-stored'; kind: StorageFailureKind; code: string; reason: string };

export interface CacheStorageHealth {
  /** Records can be listed and opened. */
  readable: boolean;
  /** A new record can be written and committed. */
  writable: boolean;
  /** Why not, when either is false. */
  reason?: string;
  /** The errno behind `reason`, when there was one. */
  code?: string;
}

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
