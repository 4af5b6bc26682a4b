import { createHash, randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { type FileHandle, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stableStringify } from '@reproml/core';
import { z } from 'zod';
import {
  type CacheGetResult,
  type CachePutResult,
  type CacheRecordInfo,
  type CacheStorage,
  type CacheStorageHealth,
  type CacheStorageStats,
  isValidCacheHash,
} from './cache-storage';
import { errnoCode, StorageFailureError, storageFailure, storageStep } from './storage-errors';

const GIB = 1024 ** 3;

const recordMetaSchema = z
  .object({
    hash: z.string(),
    size: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    storedAt: z.string(),
  })
  .strict();

export interface FileSystemStorageParams {
  /** Folder that holds `records/`, `tmp/` and `quarantine/`; created if missing. */
  dir: string;
  /** Total bytes of record bodies to keep; least recently used records are evicted beyond it. */
  maxBytes: number;
  /** Bytes of quarantined records kept for inspection; the oldest go first beyond it. Default min(1 GiB, maxBytes / 10). */
  maxQuarantineBytes?: number;
}

/** Default bound of `quarantine/`: corrupt records are kept for inspection, but never fill the disk. */
export function defaultMaxQuarantineBytes(maxBytes: number): number {
  return Math.min(GIB, Math.ceil(maxBytes / 10));
}

/** What reading a record's meta.json found: a valid record, or one that is truly invalid (quarantined). */
type MetaReading = { status: 'valid'; meta: CacheRecordInfo } | { status: 'invalid'; reason: string } | { status: 'gone' };

interface IndexEntry {
  size: number;
}

const BODY_FILE = 'body';
const META_FILE = 'meta.json';
const REASON_FILE = 'reason.txt';

/**
 * Records on the local filesystem, one folder per hash:
 *   records/<first two chars>/<hash>/{body, meta.json}
 * A record is built in `tmp/` and renamed into place as a whole folder. rename(2) of a folder
 * onto an existing non-empty folder fails, so the rename is the commit point and the
 * "never overwritten" check at once: of two concurrent PUTs of one hash exactly one wins.
 * Last access is the mtime of meta.json, so LRU order survives a restart.
 */
export class FileSystemStorage implements CacheStorage {
  /** Insertion order is recency order: the first entry is the least recently used. */
  private readonly index = new Map<string, IndexEntry>();
  private totalBytes = 0;
  /** Device and inode of `records/` when the index was built: a replaced folder means the index is stale. */
  private recordsIdentity = '';

  private constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly maxQuarantineBytes: number,
  ) {}

  static async open(params: FileSystemStorageParams): Promise<FileSystemStorage> {
    if (!(params.maxBytes > 0)) throw new TypeError(`maxBytes should be a positive number of bytes, got ${params.maxBytes}`);
    const maxQuarantineBytes = params.maxQuarantineBytes ?? defaultMaxQuarantineBytes(params.maxBytes);
    if (!(maxQuarantineBytes >= 0)) throw new TypeError(`maxQuarantineBytes should be a number of bytes, got ${maxQuarantineBytes}`);
    const storage = new FileSystemStorage(params.dir, params.maxBytes, maxQuarantineBytes);
    await storage.load();
    return storage;
  }

  private recordDir(hash: string): string {
    return join(this.dir, 'records', hash.slice(0, 2), hash);
  }

  private async load(): Promise<void> {
    // Leftovers of PUTs interrupted by a crash: never committed, so never visible.
    await rm(join(this.dir, 'tmp'), { recursive: true, force: true });
    await mkdir(join(this.dir, 'tmp'), { recursive: true });
    await mkdir(join(this.dir, 'records'), { recursive: true });
    await this.rebuildIndex();
    await this.evictOverflow(null);
    await this.trimQuarantine();
  }

  /** Reads every record's meta.json into the index (LRU order from their mtimes). */
  private async rebuildIndex(): Promise<void> {
    this.index.clear();
    this.totalBytes = 0;
    this.recordsIdentity = await this.identityOfRecords();
    const found: Array<{ hash: string; size: number; lastAccess: number }> = [];
    for (const shard of await readdirOrEmpty(join(this.dir, 'records'))) {
      if (!shard.isDirectory()) continue;
      for (const entry of await readdirOrEmpty(join(this.dir, 'records', shard.name))) {
        const hash = entry.name;
        if (!entry.isDirectory() || !isValidCacheHash(hash)) continue;
        const reading = await this.readMeta(hash);
        if (reading.status === 'gone') continue;
        if (reading.status === 'invalid') {
          await this.quarantine(hash, `${reading.reason} (found at startup)`);
          continue;
        }
        const metaStat = await stat(join(this.recordDir(hash), META_FILE));
        found.push({ hash, size: reading.meta.size, lastAccess: metaStat.mtimeMs });
      }
    }
    found.sort((a, b) => a.lastAccess - b.lastAccess || a.hash.localeCompare(b.hash));
    for (const record of found) this.remember(record.hash, record.size);
  }

  private async identityOfRecords(): Promise<string> {
    const info = await stat(join(this.dir, 'records'));
    return `${info.dev}:${info.ino}`;
  }

  private remember(hash: string, size: number): void {
    const previous = this.index.get(hash);
    if (previous) this.totalBytes -= previous.size;
    this.index.delete(hash);
    this.index.set(hash, { size });
    this.totalBytes += size;
  }

  private forget(hash: string): void {
    const entry = this.index.get(hash);
    if (!entry) return;
    this.index.delete(hash);
    this.totalBytes -= entry.size;
  }

  /**
   * Only what was actually read can make a record invalid: a meta.json that is missing from an
   * existing record folder, does not parse, or names another hash. A failure to read it (too
   * many open files, an I/O error) throws a StorageFailureError and says nothing about the record.
   */
  /** The storage is gone: claim nothing, and rebuild from disk once it is back (even if the same folder returns). */
  private forgetAll(): void {
    this.index.clear();
    this.totalBytes = 0;
    this.recordsIdentity = '';
  }

  private async readMeta(hash: string): Promise<MetaReading> {
    let text: string;
    try {
      text = await readFile(join(this.recordDir(hash), META_FILE), 'utf8');
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw storageFailure(error, `reading ${hash}/${META_FILE}`);
      // Evicted or deleted meanwhile (a plain miss), or a record folder without its meta.json.
      return (await this.recordExists(hash)) ? { status: 'invalid', reason: `${META_FILE} missing` } : { status: 'gone' };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { status: 'invalid', reason: `${META_FILE} is not JSON` };
    }
    const parsed = recordMetaSchema.safeParse(json);
    if (!parsed.success) return { status: 'invalid', reason: `${META_FILE} is not a record description: ${parsed.error.issues[0]!.message}` };
    if (parsed.data.hash !== hash) return { status: 'invalid', reason: `${META_FILE} names hash ${parsed.data.hash}` };
    return { status: 'valid', meta: parsed.data };
  }

  /** Whether the record folder is on disk now; the index alone never answers this (the folder may be gone). */
  private async recordExists(hash: string): Promise<boolean> {
    try {
      await stat(this.recordDir(hash));
      return true;
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        this.forget(hash);
        return false;
      }
      throw storageFailure(error, `looking up ${hash}`);
    }
  }

  async has(hash: string): Promise<boolean> {
    if (!isValidCacheHash(hash)) return false;
    return this.recordExists(hash);
  }

  async get(hash: string): Promise<CacheGetResult> {
    if (!isValidCacheHash(hash)) return { status: 'miss' };
    try {
      return await this.readRecord(hash);
    } catch (error) {
      // The machine could not read it now: the record is kept, and the next GET tries again.
      if (error instanceof StorageFailureError) return { status: 'unavailable', reason: error.message };
      throw error;
    }
  }

  private async readRecord(hash: string): Promise<CacheGetResult> {
    if (!(await this.recordExists(hash))) return { status: 'miss' };
    const reading = await this.readMeta(hash);
    if (reading.status === 'gone') return { status: 'miss' };
    if (reading.status === 'invalid') return this.corrupt(hash, reading.reason);
    const meta = reading.meta;
    let handle: FileHandle;
    try {
      handle = await open(join(this.recordDir(hash), BODY_FILE), 'r');
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw storageFailure(error, `opening ${hash}/${BODY_FILE}`);
      // Evicted between the checks above and here: a plain miss; a committed folder without a body is incomplete.
      if (!(await this.recordExists(hash))) return { status: 'miss' };
      return this.corrupt(hash, `${BODY_FILE} missing`);
    }
    // The record is checked on every read: the open handle keeps these bytes readable even if
    // the record is evicted meanwhile, so what is verified is exactly what is sent.
    let actual: { size: number; sha256: string };
    try {
      actual = await sha256OfHandle(handle);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw storageFailure(error, `reading ${hash}/${BODY_FILE}`);
    }
    if (actual.size !== meta.size || actual.sha256 !== meta.sha256) {
      await handle.close();
      return this.corrupt(hash, `body has ${actual.size} bytes with sha256 ${actual.sha256}; stored as ${meta.size} bytes with sha256 ${meta.sha256}`);
    }
    this.remember(hash, meta.size);
    const now = new Date();
    await utimes(join(this.recordDir(hash), META_FILE), now, now).catch(() => undefined);
    return { status: 'hit', record: meta, body: handle.createReadStream({ start: 0 }) };
  }

  private async corrupt(hash: string, reason: string): Promise<CacheGetResult> {
    await this.quarantine(hash, reason);
    return { status: 'corrupt', reason };
  }

  /**
   * Moves a damaged record out of the way so it is never served, with a reason file, kept for
   * inspection outside the size limit, within its own bound (the oldest quarantined go first).
   */
  private async quarantine(hash: string, reason: string): Promise<void> {
    this.forget(hash);
    const quarantined = `${hash}.${Date.now()}-${randomBytes(3).toString('hex')}`;
    const target = join(this.dir, 'quarantine', quarantined);
    await storageStep('creating quarantine/', () => mkdir(join(this.dir, 'quarantine'), { recursive: true }));
    try {
      await rename(this.recordDir(hash), target);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return;
      throw storageFailure(error, `quarantining ${hash}`);
    }
    const note = `${reason}\nhash: ${hash}\nquarantined: ${new Date().toISOString()}\n`;
    // Best effort: a disk too full for the note must not hide that the record was moved.
    await writeFile(join(target, REASON_FILE), note).catch(() => undefined);
    await this.trimQuarantine();
  }

  /** Deletes the oldest quarantined records until the rest fit `maxQuarantineBytes`. */
  private async trimQuarantine(): Promise<string[]> {
    const entries: Array<{ name: string; bytes: number; at: number }> = [];
    for (const entry of await readdirOrEmpty(join(this.dir, 'quarantine'))) {
      if (!entry.isDirectory()) continue;
      const at = Number(/\.(\d+)-[0-9a-f]+$/.exec(entry.name)?.[1] ?? 0);
      entries.push({ name: entry.name, bytes: await folderBytes(join(this.dir, 'quarantine', entry.name)), at });
    }
    entries.sort((a, b) => a.at - b.at || a.name.localeCompare(b.name));
    let total = entries.reduce((sum, entry) => sum + entry.bytes, 0);
    const removed: string[] = [];
    for (const entry of entries) {
      if (total <= this.maxQuarantineBytes) break;
      await rm(join(this.dir, 'quarantine', entry.name), { recursive: true, force: true });
      total -= entry.bytes;
      removed.push(entry.name);
    }
    return removed;
  }

  async put(hash: string, body: AsyncIterable<Uint8Array>): Promise<CachePutResult> {
    if (!isValidCacheHash(hash)) throw new TypeError(`hash should be of the form ${'[A-Za-z0-9_-]{1,128}'}, got '${hash}'`);
    try {
      return await this.storeRecord(hash, body);
    } catch (error) {
      // The storage could not take it (disk full, read-only, folder gone): nothing was kept.
      if (error instanceof StorageFailureError) return { status: 'not-stored', kind: error.kind, code: error.code, reason: error.message };
      throw error;
    }
  }

  private async storeRecord(hash: string, body: AsyncIterable<Uint8Array>): Promise<CachePutResult> {
    if (await this.has(hash)) return { status: 'exists' };
    // Not recursive: a storage folder that vanished (an unmounted disk) is never recreated here.
    await storageStep('creating tmp/', () => mkdir(join(this.dir, 'tmp')).catch(ignoreExisting));
    const temp = await storageStep('creating a temp folder in tmp/', () => mkdtemp(join(this.dir, 'tmp', `${hash}-`)));
    try {
      const { size, sha256 } = await writeBody(join(temp, BODY_FILE), body);
      const record: CacheRecordInfo = { hash, size, sha256, storedAt: new Date().toISOString() };
      await storageStep(`writing ${hash}/${META_FILE}`, () => writeFile(join(temp, META_FILE), stableStringify(record)));
      await storageStep('creating a records/ shard', () => mkdir(join(this.dir, 'records', hash.slice(0, 2)), { recursive: true }));
      try {
        await rename(temp, this.recordDir(hash));
      } catch (error) {
        const code = errnoCode(error);
        if (code === 'ENOTEMPTY' || code === 'EEXIST') {
          await rm(temp, { recursive: true, force: true });
          return { status: 'exists' };
        }
        throw storageFailure(error, `committing ${hash}`);
      }
      this.remember(hash, size);
      const evicted = await this.evictOverflow(hash);
      return { status: 'stored', record, evicted };
    } catch (error) {
      await rm(temp, { recursive: true, force: true }).catch(() => undefined);
      throw error;
    }
  }

  /** Evicts least recently used records until the total fits; never the record just stored. */
  private async evictOverflow(keep: string | null): Promise<string[]> {
    const evicted: string[] = [];
    for (const [hash] of this.index) {
      if (this.totalBytes <= this.maxBytes) break;
      if (hash === keep) continue;
      this.forget(hash);
      evicted.push(hash);
      const doomed = join(this.dir, 'tmp', `evicted-${hash}-${randomBytes(3).toString('hex')}`);
      try {
        await rename(this.recordDir(hash), doomed);
      } catch (error) {
        // Gone already, or the storage refused: either way it is out of the index, and a
        // record left on disk is found again (and counted) at the next start.
        if (errnoCode(error) === undefined) throw error;
        continue;
      }
      await rm(doomed, { recursive: true, force: true }).catch(() => undefined);
    }
    return evicted;
  }

  /**
   * The storage folder must still be the one that was opened (a deleted or replaced folder
   * means the records in the index are gone: the index is rebuilt from what is on disk), and
   * a one-byte file must be writable, durable and removable in tmp/.
   */
  async health(): Promise<CacheStorageHealth> {
    try {
      const info = await stat(this.dir);
      if (!info.isDirectory()) throw Object.assign(new Error(`${this.dir} is not a folder`), { code: 'ENOTDIR' });
    } catch (error) {
      this.forgetAll();
      return { readable: false, writable: false, reason: `storage folder ${this.dir} is not usable: ${(error as Error).message}` };
    }
    try {
      await mkdir(join(this.dir, 'records'), { recursive: true });
      if ((await this.identityOfRecords()) !== this.recordsIdentity) await this.rebuildIndex();
    } catch (error) {
      this.forgetAll();
      return { readable: false, writable: false, reason: `records of ${this.dir} are not readable: ${(error as Error).message}` };
    }
    try {
      await probeWrite(join(this.dir, 'tmp'));
    } catch (error) {
      return { readable: true, writable: false, reason: `cannot write in ${this.dir}: ${(error as Error).message}`, code: errnoCode(error) };
    }
    return { readable: true, writable: true };
  }

  stats(): CacheStorageStats {
    return { records: this.index.size, bytes: this.totalBytes, maxBytes: this.maxBytes };
  }

  async close(): Promise<void> {
    this.index.clear();
    this.totalBytes = 0;
  }
}

/** Errors of the body (the client went away) pass through; errors of the disk become StorageFailureErrors. */
async function writeBody(path: string, body: AsyncIterable<Uint8Array>): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  const handle = await storageStep('creating a record body', () => open(path, 'wx'));
  try {
    for await (const chunk of body) {
      hash.update(chunk);
      size += chunk.byteLength;
      await storageStep('writing a record body', () => handle.write(chunk));
    }
    // Durable before the rename publishes it: a power loss must not leave a committed empty file.
    await storageStep('syncing a record body', () => handle.datasync());
  } finally {
    await handle.close().catch(() => undefined);
  }
  return { size, sha256: hash.digest('hex') };
}

/** Writes, syncs and removes a one-byte file in `dir`: what every PUT needs the disk to do. */
async function probeWrite(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `.health-${process.pid}-${randomBytes(3).toString('hex')}`);
  try {
    const handle = await open(path, 'wx');
    try {
      await handle.write(Buffer.from('.'));
      await handle.datasync();
    } finally {
      await handle.close();
    }
  } finally {
    await unlink(path).catch(() => undefined);
  }
}

function ignoreExisting(error: unknown): void {
  if (errnoCode(error) !== 'EEXIST') throw error;
}

/** Bytes of the files directly inside a record folder (body, meta.json, reason.txt). */
async function folderBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdirOrEmpty(dir)) {
    if (entry.isFile()) bytes += (await stat(join(dir, entry.name)).catch(() => ({ size: 0 }))).size;
  }
  return bytes;
}

async function sha256OfHandle(handle: import('node:fs/promises').FileHandle): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  let size = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, size);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    size += bytesRead;
  }
  return { size, sha256: hash.digest('hex') };
}

async function readdirOrEmpty(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
