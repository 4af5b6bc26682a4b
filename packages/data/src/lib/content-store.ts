import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SHA256_PATTERN, sha256OfFile } from '@reproml/core';

export interface StoredFile {
  /** Absolute path of the entry in the store. */
  path: string;
  sha256: string;
  size: number;
}

/**
 * Downloads, kept by the sha256 of their bytes (`<root>/sha256/ab/abcdef…`) and shared by
 * every workspace on the machine. Entries are written through a temp file and a rename, and
 * re-hashed on every use: a corrupted entry is reported, removed, and fetched again.
 */
export class ContentStore {
  constructor(
    readonly root: string,
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  pathOf(sha256: string): string {
    if (!SHA256_PATTERN.test(sha256)) throw new TypeError(`sha256 should be 64 lowercase hex characters, got '${sha256}'`);
    return join(this.root, 'sha256', sha256.slice(0, 2), sha256);
  }

  /** The verified entry for `sha256`, or undefined when it is absent or was corrupted (then removed). */
  async lookup(sha256: string): Promise<StoredFile | undefined> {
    const path = this.pathOf(sha256);
    if (!existsSync(path)) return undefined;
    const actual = await sha256OfFile(path);
    if (actual !== sha256) {
      this.warn(`store entry ${path} is corrupted (its bytes hash to ${actual}); removing it and fetching again`);
      await rm(path, { force: true });
      return undefined;
    }
    return { path, sha256, size: (await stat(path)).size };
  }

  /** A fresh temp path inside the store (same file system, so the final rename is atomic). */
  async tempPath(): Promise<string> {
    const dir = join(this.root, 'tmp');
    await mkdir(dir, { recursive: true });
    return join(dir, `${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  /** Moves a finished temp file into place under its sha256 (computed here unless given). */
  async adopt(tempPath: string, sha256?: string): Promise<StoredFile> {
    const digest = sha256 ?? (await sha256OfFile(tempPath));
    const path = this.pathOf(digest);
    await mkdir(join(path, '..'), { recursive: true });
    const size = (await stat(tempPath)).size;
    await rename(tempPath, path).catch(async (error) => {
      await rm(tempPath, { force: true });
      throw error;
    });
    return { path, sha256: digest, size };
  }
}
