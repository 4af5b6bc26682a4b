import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UndeclaredInputError, withStrictReads } from './strict-reads';

function workspace() {
  const root = mkdtempSync(join(tmpdir(), 'strict-'));
  mkdirSync(join(root, 'pipelines/p/s'), { recursive: true });
  mkdirSync(join(root, 'docs'));
  writeFileSync(join(root, 'pipelines/p/s/stage.json'), '{}');
  writeFileSync(join(root, 'docs/secret.csv'), 'a\n1\n');
  const policy = { workspaceRoot: root, allowed: [join(root, 'pipelines/p/s')], stage: 'p-s', stageFile: 'pipelines/p/s/stage.json' };
  return { root, policy };
}

describe('withStrictReads', () => {
  it('lets a stage read its declared files and anything outside the workspace', async () => {
    const { root, policy } = workspace();
    const outside = join(mkdtempSync(join(tmpdir(), 'outside-')), 'x.txt');
    writeFileSync(outside, 'x');
    await expect(
      withStrictReads(policy, async () => [readFileSync(join(root, 'pipelines/p/s/stage.json'), 'utf8'), await readFile(outside, 'utf8')]),
    ).resolves.toEqual(['{}', 'x']);
  });

  it('fails an undeclared read, naming the file and how to declare it, with sync and promise APIs', async () => {
    const { root, policy } = workspace();
    await expect(withStrictReads(policy, async () => readFileSync(join(root, 'docs/secret.csv')))).rejects.toThrow(UndeclaredInputError);
    const error = await withStrictReads(policy, () => readFile(join(root, 'docs/secret.csv'))).catch((e: UndeclaredInputError) => e);
    expect(error).toBeInstanceOf(UndeclaredInputError);
    expect((error as UndeclaredInputError).file).toBe('docs/secret.csv');
    expect((error as UndeclaredInputError).hint).toContain('"strict": false');
  });

  it('fails the stage even when its code swallowed the error, and restores fs afterwards', async () => {
    const { root, policy } = workspace();
    await expect(
      withStrictReads(policy, async () => {
        try {
          readFileSync(join(root, 'docs/secret.csv'));
        } catch {
          /* a careless stage */
        }
      }),
    ).rejects.toThrow(/docs\/secret.csv/);
    expect(readFileSync(join(root, 'docs/secret.csv'), 'utf8')).toBe('a\n1\n');
  });

  it('does not treat writes as reads', async () => {
    const { root, policy } = workspace();
    await withStrictReads(policy, async () => writeFileSync(join(root, 'docs/new.txt'), 'ok'));
    expect(readFileSync(join(root, 'docs/new.txt'), 'utf8')).toBe('ok');
  });
});
