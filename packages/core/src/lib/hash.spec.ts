import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digestFiles, sha256OfBytes, sha256OfDirectory, sha256OfFile } from './hash';

describe('sha256', () => {
  it('hashes a file by streaming to the same digest as hashing its bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hash-'));
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    await writeFile(join(dir, 'big.bin'), bytes);
    expect(await sha256OfFile(join(dir, 'big.bin'))).toBe(sha256OfBytes(bytes));
    expect(sha256OfBytes('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('hashes a folder from its sorted file paths and contents, so renames and edits change it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hash-'));
    await mkdir(join(dir, 'b'));
    await writeFile(join(dir, 'b', 'x.txt'), 'x');
    await writeFile(join(dir, 'a.txt'), 'a');
    expect((await digestFiles(dir)).map((d) => d.path)).toEqual(['a.txt', 'b/x.txt']);
    const before = await sha256OfDirectory(dir);
    await writeFile(join(dir, 'a.txt'), 'A');
    expect(await sha256OfDirectory(dir)).not.toBe(before);
  });
});
