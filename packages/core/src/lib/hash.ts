import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';

export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

export function sha256OfBytes(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Streams the file so that memory stays flat for files of any size. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

export interface FileDigest {
  /** Path relative to the hashed folder, with forward slashes. */
  path: string;
  sha256: string;
  size: number;
}

/** Every regular file below `dir`, sorted by path so the listing is stable across file systems. */
export async function listFilesRecursive(dir: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(current: string): Promise<void> {
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) found.push(relative(dir, full).split(sep).join(posix.sep));
    }
  }
  await walk(dir);
  return found.sort();
}

export async function digestFiles(dir: string): Promise<FileDigest[]> {
  const files = await listFilesRecursive(dir);
  const digests: FileDigest[] = [];
  for (const path of files) {
    const full = join(dir, path);
    digests.push({ path, sha256: await sha256OfFile(full), size: (await stat(full)).size });
  }
  return digests;
}

/** A folder's hash: sha256 over the sorted `path\0sha256\n` lines of its files. */
export async function sha256OfDirectory(dir: string): Promise<string> {
  const digests = await digestFiles(dir);
  return sha256OfBytes(digests.map((d) => `${d.path}\0${d.sha256}\n`).join(''));
}
