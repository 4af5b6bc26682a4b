import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readGitState, readGitStates, uncommittedFiles } from './git-state';

describe('readGitState: the one rule for "dirty"', () => {
  let root: string;
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd: root, encoding: 'utf8' });
  const write = (path: string, content: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  const train = [':(glob)pipelines/p/train/**/*', ':(exclude,glob)pipelines/p/train/out/**/*', ':(exclude,glob)pipelines/p/train/**/*.md'];

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'reproml-git-'));
    git('init', '-q');
    write('.gitignore', 'pipelines/*/*/out\n');
    write('pipelines/p/train/stage.json', '{}');
    write('pipelines/p/other/stage.json', '{}');
    git('add', '.');
    git('commit', '-q', '-m', 'init');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is undefined outside a git checkout', () => {
    expect(readGitState(tmpdir())).toBeUndefined();
  });

  it('readGitStates answers several scopes at once as readGitState does for each', async () => {
    write('pipelines/p/other/notes.txt', 'x');
    write('pipelines/p/train/README.md', 'excluded by the train scope');
    const scopes = [{ pathspecs: train }, { pathspecs: [':(glob)pipelines/p/other/**/*'] }, {}, { pathspecs: [] }];
    const expected = scopes.map((scope) => readGitState(root, scope));
    expect(expected.map((state) => state?.dirty)).toEqual([false, true, true, false]);
    expect(await readGitStates(root, scopes)).toEqual(expected);
    expect(await readGitStates(tmpdir(), scopes)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('counts untracked files (a new pipeline that was never committed), not only modified tracked ones', () => {
    expect(readGitState(root)).toEqual({ commit: git('rev-parse', 'HEAD').trim(), dirty: false });
    write('pipelines/new/train/stage.json', '{}');
    expect(readGitState(root)?.dirty).toBe(true);
    expect(uncommittedFiles(root)).toEqual(['pipelines/new/train/stage.json']);
  });

  it('looks only at the files in scope: other folders, excluded globs and ignored outputs do not count', () => {
    write('pipelines/p/other/notes.txt', 'x');
    write('pipelines/p/train/README.md', 'docs');
    write('pipelines/p/train/out/model.onnx', 'bytes');
    expect(readGitState(root, { pathspecs: train })?.dirty).toBe(false);
    expect(readGitState(root, { pathspecs: [] })?.dirty).toBe(false);
    write('pipelines/p/train/stage.json', '{"seed":7}');
    write('pipelines/p/train/script.ts', 'export {}');
    expect(readGitState(root, { pathspecs: train, hashUncommitted: true })).toMatchObject({
      dirty: true,
      uncommitted: { files: ['pipelines/p/train/script.ts', 'pipelines/p/train/stage.json'], sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
  });

  it('hashes the uncommitted content: same content, same hash; an edit or a deletion changes it', () => {
    write('pipelines/p/train/stage.json', '{"seed":7}');
    const first = readGitState(root, { pathspecs: train, hashUncommitted: true })!.uncommitted!.sha256;
    expect(readGitState(root, { pathspecs: train, hashUncommitted: true })!.uncommitted!.sha256).toBe(first);
    write('pipelines/p/train/stage.json', '{"seed":8}');
    const second = readGitState(root, { pathspecs: train, hashUncommitted: true })!.uncommitted!.sha256;
    expect(second).not.toBe(first);
    rmSync(join(root, 'pipelines/p/train/stage.json'));
    const deleted = readGitState(root, { pathspecs: train, hashUncommitted: true })!;
    expect(deleted.uncommitted).toMatchObject({ files: ['pipelines/p/train/stage.json'] });
    expect(deleted.uncommitted!.sha256).not.toBe(second);
    git('add', '-A');
    expect(readGitState(root, { pathspecs: train })?.dirty).toBe(true); // staged is not committed
  });
});
