import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectoryExistsError, describeWriteFailure, removeStaleTempSiblings, writeDirectoryAtomic, writeDirectoryOnce, writeFileAtomic } from './atomic-write';

describe('atomic writes', () => {
  it('writeDirectoryOnce never replaces what is at its target (a folder, an empty folder or a symlink)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    const target = join(dir, 'v1');
    await writeDirectoryOnce(target, async (temp) => writeFile(join(temp, 'model.onnx'), 'first'));
    await expect(writeDirectoryOnce(target, async (temp) => writeFile(join(temp, 'model.onnx'), 'second'))).rejects.toBeInstanceOf(DirectoryExistsError);
    expect(await readFile(join(target, 'model.onnx'), 'utf8')).toBe('first');
    await mkdir(join(dir, 'v2'));
    await expect(writeDirectoryOnce(join(dir, 'v2'), async () => undefined)).rejects.toThrow(/already exists and is never replaced/);
    await symlink(target, join(dir, 'v3'));
    await expect(writeDirectoryOnce(join(dir, 'v3'), async () => undefined)).rejects.toBeInstanceOf(DirectoryExistsError);
    expect((await readdir(dir)).sort()).toEqual(['v1', 'v2', 'v3']);
  });

  it('a durable write leaves the new content and no temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    await writeFileAtomic(join(dir, 'checkpoint'), 'one', { durable: true });
    await writeFileAtomic(join(dir, 'checkpoint'), 'two', { durable: true });
    expect(await readFile(join(dir, 'checkpoint'), 'utf8')).toBe('two');
    expect(await readdir(dir)).toEqual(['checkpoint']);
  });

  it('replaces a file whole and leaves no temp files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    await writeFileAtomic(join(dir, 'f.json'), 'one');
    await writeFileAtomic(join(dir, 'f.json'), 'two');
    expect(await readFile(join(dir, 'f.json'), 'utf8')).toBe('two');
    expect(await readdir(dir)).toEqual(['f.json']);
  });

  it('keeps the previous folder untouched when building the new one fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    const out = join(dir, 'out');
    await writeDirectoryAtomic(out, async (temp) => writeFile(join(temp, 'model.onnx'), 'v1'));
    await expect(
      writeDirectoryAtomic(out, async (temp) => {
        await writeFile(join(temp, 'model.onnx'), 'half-written');
        throw new Error('training diverged');
      }),
    ).rejects.toThrow('training diverged');
    expect(await readFile(join(out, 'model.onnx'), 'utf8')).toBe('v1');
    expect(await readdir(dir)).toEqual(['out']);
  });

  it('never leaves a partial folder at the target when there was none before', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    const out = join(dir, 'out');
    await expect(writeDirectoryAtomic(out, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(out)).toBe(false);
  });
});

describe('stale temp folders', () => {
  it('removes the temp folder a killed process left beside the output, and keeps a live one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    const deadPid = 2 ** 22 + 12345; // above Linux's pid_max default: no such process
    await mkdir(join(dir, `.out.building-${deadPid}-deadbeef`));
    await mkdir(join(dir, `.out.building-${process.pid}-cafebabe`));
    expect(await removeStaleTempSiblings(join(dir, 'out'))).toEqual([`.out.building-${deadPid}-deadbeef`]);
    expect((await readdir(dir)).sort()).toEqual([`.out.building-${process.pid}-cafebabe`]);
  });
});

describe('describeWriteFailure', () => {
  // Root ignores file modes, so a real EACCES cannot be provoked in tests that run as root;
  // the e2e test covers EROFS and ENOSPC on a real tmpfs, this covers the mapping of EACCES.
  it('says permission denied for EACCES, names the file where it will live, and says what to do', () => {
    const cause = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', path: '/ws/pipelines/p/s/.out.building-123-abcd/model.onnx' });
    const error = describeWriteFailure(cause, '/ws/pipelines/p/s/out') as Error & { hint?: string; file?: string };
    expect(error.message).toBe('Cannot write /ws/pipelines/p/s/out/model.onnx: permission denied');
    expect(error.file).toBe('/ws/pipelines/p/s/out/model.onnx');
    expect(error.hint).toContain('Make the output folder writable');
  });

  it('passes other errors through unchanged', () => {
    const other = new Error('boom');
    expect(describeWriteFailure(other, '/x')).toBe(other);
  });
});
