import { createHash, randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { type FileHandle, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stableStringify } from '@reproml/core';
import { z } from 'zod';
import { type CacheGetResult, type CachePutResult, type CacheRecordInfo, type CacheStorage, type CacheStorageStats, isValidCacheHash } from './cache-storage';

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
}

interface IndexEntry {
  size: number;
}

const BODY_FILE = 'body';
const META_FILE = 'meta.json';

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

  private constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
  ) {}

  static async open(params: FileSystemStorageParams): Promise<FileSystemStorage> {
    if (!(params.maxBytes > 0)) throw new TypeError(`maxBytes should be a positive number of bytes, got ${params.maxBytes}`);
    const storage = new FileSystemStorage(params.dir, params.maxBytes);
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
    const found: Array<{ hash: string; size: number; lastAccess: number }> = [];
    for (const shard of await readdirOrEmpty(join(this.dir, 'records'))) {
      if (!shard.isDirectory()) continue;
      for (const entry of await readdirOrEmpty(join(this.dir, 'records', shard.name))) {
        const hash = entry.name;
        if (!entry.isDirectory() || !isValidCacheHash(hash)) continue;
        const meta = await this.readMeta(hash);
        if (!meta) {
          await this.quarantine(hash, 'meta.json missing or invalid at startup');
          continue;
        }
        const metaStat = await stat(join(this.recordDir(hash), META_FILE));
        found.push({ hash, size: meta.size, lastAccess: metaStat.mtimeMs });
      }
    }
    found.sort((a, b) => a.lastAccess - b.lastAccess || a.hash.localeCompare(b.hash));
    for (const record of found) this.remember(record.hash, record.size);
    await this.evictOverflow(null);
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

  private async readMeta(hash: string): Promise<CacheRecordInfo | null> {
    try {
      const parsed = recordMetaSchema.safeParse(JSON.parse(await readFile(join(this.recordDir(hash), META_FILE), 'utf8')));
      return parsed.success && parsed.data.hash === hash ? parsed.data : null;
    } catch {
      return null;
    }
  }

  async has(hash: string): Promise<boolean> {
    if (!isValidCacheHash(hash)) return false;
    if (this.index.has(hash)) return true;
    return pathExists(this.recordDir(hash));
  }

  async get(hash: string): Promise<CacheGetResult> {
    if (!isValidCacheHash(hash) || !(await pathExists(this.recordDir(hash)))) return { status: 'miss' };
    const meta = await this.readMeta(hash);
    if (!meta) return this.corrupt(hash, 'meta.json missing or invalid');
    let handle: FileHandle;
    try {
      handle = await open(join(this.recordDir(hash), BODY_FILE), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        // Evicted between the checks above and here: a plain miss.
        if (!(await pathExists(this.recordDir(hash)))) return { status: 'miss' };
        return this.corrupt(hash, 'body missing');
      }
      throw error;
    }
    // The record is checked on every read: the open handle keeps these bytes readable even if
    // the record is evicted meanwhile, so what is verified is exactly what is sent.
    const actual = await sha256OfHandle(handle);
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

  /** Moves a record out of the way (kept for inspection, outside the size limit) so it is never served. */
  private async quarantine(hash: string, reason: string): Promise<void> {
    this.forget(hash);
    const target = join(this.dir, 'quarantine', `${hash}.${Date.now()}-${randomBytes(3).toString('hex')}`);
    await mkdir(join(this.dir, 'quarantine'), { recursive: true });
    try {
      await rename(this.recordDir(hash), target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    await writeFile(join(target, 'reason.txt'), `${reason}\n`);
  }

  async put(hash: string, body: AsyncIterable<Uint8Array>): Promise<CachePutResult> {
    if (!isValidCacheHash(hash)) throw new TypeError(`hash should be of the form ${'[A-Za-z0-9_-]{1,128}'}, got '${hash}'`);
    if (await this.has(hash)) return { status: 'exists' };
    const temp = await mkdtemp(join(this.dir, 'tmp', `${hash}-`));
    try {
      const { size, sha256 } = await writeBody(join(temp, BODY_FILE), body);
      const record: CacheRecordInfo = { hash, size, sha256, storedAt: new Date().toISOString() };
      await writeFile(join(temp, META_FILE), stableStringify(record));
      await mkdir(join(this.dir, 'records', hash.slice(0, 2)), { recursive: true });
      try {
        await rename(temp, this.recordDir(hash));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST') {
          await rm(temp, { recursive: true, force: true });
          return { status: 'exists' };
        }
        throw error;
      }
      this.remember(hash, size);
      const evicted = await this.evictOverflow(hash);
      return { status: 'stored', record, evicted };
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
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
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        continue;
      }
      await rm(doomed, { recursive: true, force: true });
    }
    return evicted;
  }

  stats(): CacheStorageStats {
    return { records: this.index.size, bytes: this.totalBytes, maxBytes: this.maxBytes };
  }

  async close(): Promise<void> {
    this.index.clear();
    this.totalBytes = 0;
  }
}

async function writeBody(path: string, body: AsyncIterable<Uint8Array>): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  const handle = await open(path, 'wx');
  try {
    for await (const chunk of body) {
      hash.update(chunk);
      size += chunk.byteLength;
      await handle.write(chunk);
    }
    // Durable before the rename publishes it: a power loss must not leave a committed empty file.
    await handle.datasync();
  } finally {
    await handle.close();
  }
  return { size, sha256: hash.digest('hex') };
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

async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
