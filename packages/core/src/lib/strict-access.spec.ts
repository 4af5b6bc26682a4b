import fs, { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GUARDED_FS_CALLS, UNGUARDED_FS_CALLS } from './fs-guard';
import { runStage } from './run-stage';
import { type AccessPolicy, UndeclaredInputError, UndeclaredWriteError, withStrictAccess } from './strict-access';

/** A workspace with one stage: what it may read mirrors what the plugin hashes for a script stage. */
function workspace() {
  const root = mkdtempSync(join(tmpdir(), 'strict-'));
  const write = (path: string, content: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  write('pipelines/p/s/stage.json', '{}');
  write('pipelines/p/s/README.md', 'notes');
  write('pipelines/p/s/out/old.json', '{}');
  write('docs/secret.csv', 'a\n1\n');
  write('packages/core/src/a.ts', 'export {}');
  write('packages/core/src/a.spec.ts', 'test');
  write('packages/data/src/b.ts', 'export {}');
  write('packages/data/src/loaded.js', 'module.exports = 2;');
  write('node_modules/pkg/index.js', 'module.exports = 1');
  symlinkSync('../packages/data', join(root, 'node_modules/data-link'));
  symlinkSync('../../../docs/secret.csv', join(root, 'pipelines/p/s/link.csv'));
  const outside = join(mkdtempSync(join(tmpdir(), 'outside-')), 'x.txt');
  writeFileSync(outside, 'x');
  symlinkSync(outside, join(root, 'pipelines/p/s/outside-link.txt'));
  const outDir = join(root, 'pipelines/p/s/.out.building-1');
  mkdirSync(outDir);
  writeFileSync(join(outDir, 'mine.txt'), 'mine');
  const policy: AccessPolicy = {
    workspaceRoot: root,
    reads: [
      { path: join(root, 'pipelines/p/s'), except: ['out/', '**/*.md'] },
      { path: join(root, 'packages/core/src'), extensions: ['.ts'], except: ['**/*.spec.ts'] },
      join(root, 'node_modules'),
      outDir,
    ],
    writes: [outDir],
    stage: 'p-s',
    stageFile: 'pipelines/p/s/stage.json',
  };
  return { root, policy, outDir, outside, at: (path: string) => join(root, path) };
}

async function refusal(policy: AccessPolicy, body: () => unknown): Promise<unknown> {
  return withStrictAccess(policy, async () => {
    await body();
  }).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('withStrictAccess: reads', () => {
  it('lets a stage read what it declared, installed packages, its temp output and anything outside the workspace', async () => {
    const { policy, at, outDir, outside } = workspace();
    const read = await withStrictAccess(policy, async () => [
      readFileSync(at('pipelines/p/s/stage.json'), 'utf8'),
      readFileSync(at('packages/core/src/a.ts'), 'utf8'),
      readFileSync(at('node_modules/pkg/index.js'), 'utf8'),
      readFileSync(join(outDir, 'mine.txt'), 'utf8'),
      await readFile(outside, 'utf8'),
      // a link to a file outside the workspace reads outside the workspace, which is not guarded
      readFileSync(at('pipelines/p/s/outside-link.txt'), 'utf8'),
      fs.readdirSync(at('pipelines/p/s')).length > 0,
    ]);
    expect(read).toEqual(['{}', 'export {}', 'module.exports = 1', 'mine', 'x', 'x', true]);
  });

  // Every way node:fs reads a file's content, in sync, callback and promise form.
  const readers: Record<string, (path: string, outDir: string) => unknown> = {
    readFileSync: (path) => fs.readFileSync(path),
    'readFileSync (ESM named import)': (path) => readFileSync(path),
    'fs/promises readFile (ESM named import)': (path) => readFile(path),
    'readFile (callback)': (path) => new Promise((resolve, reject) => fs.readFile(path, (error, data) => (error ? reject(error) : resolve(data)))),
    'promises.readFile': (path) => fs.promises.readFile(path),
    'readFile of a file: URL': (path) => fs.readFileSync(pathToFileURL(path)),
    'readFile of a Buffer path': (path) => fs.readFileSync(Buffer.from(path)),
    'openSync r': (path) => fs.closeSync(fs.openSync(path, 'r')),
    "openSync 'r+'": (path) => fs.closeSync(fs.openSync(path, 'r+')),
    "openSync 'a+'": (path) => fs.closeSync(fs.openSync(path, 'a+')),
    'openSync O_RDWR': (path) => fs.closeSync(fs.openSync(path, fs.constants.O_RDWR)),
    "open (callback) 'rs+'": (path) =>
      new Promise((resolve, reject) => fs.open(path, 'rs+', (error, fd) => (error ? reject(error) : resolve(fs.closeSync(fd))))),
    "promises.open 'r+' (FileHandle)": async (path) => (await fs.promises.open(path, 'r+')).readFile(),
    createReadStream: (path) => fs.createReadStream(path).destroy(),
    'new ReadStream': (path) => new Promise((resolve, reject) => new fs.ReadStream(path as unknown as never).on('error', reject).on('data', resolve)),
    openAsBlob: (path) => fs.openAsBlob(path),
    'copyFileSync source': (path, outDir) => fs.copyFileSync(path, join(outDir, 'copy')),
    'promises.copyFile source': (path, outDir) => fs.promises.copyFile(path, join(outDir, 'copy')),
    'cpSync source': (path, outDir) => fs.cpSync(path, join(outDir, 'cp')),
    'linkSync source (a hard link in the output would read it later)': (path, outDir) => fs.linkSync(path, join(outDir, 'hard')),
  };
  // Every kind of undeclared file: not hashed, so a change to it would leave a stale cache hit.
  const undeclared: Record<string, string> = {
    'a workspace file outside every input': 'docs/secret.csv',
    'a symlink inside the stage folder': 'pipelines/p/s/link.csv',
    'Markdown in the stage folder (not hashed)': 'pipelines/p/s/README.md',
    "the stage's previous out/": 'pipelines/p/s/out/old.json',
    'a workspace package the stage does not hash': 'packages/data/src/b.ts',
    'that package through its node_modules link': 'node_modules/data-link/src/b.ts',
    "a hashed package's spec file (not hashed)": 'packages/core/src/a.spec.ts',
  };
  for (const [reader, read] of Object.entries(readers)) {
    it(`refuses undeclared reads through ${reader}`, async () => {
      const { policy, at, outDir } = workspace();
      for (const [what, file] of Object.entries(undeclared)) {
        const error = await refusal(policy, () => read(at(file), outDir));
        expect(error, `${reader}: ${what}`).toBeInstanceOf(UndeclaredInputError);
      }
    });
  }

  // Node's cp walks a folder with fs functions it took at load time, out of the guard's reach.
  type CopyFilter = (source: string, target: string) => boolean | Promise<boolean>;
  const recursiveCopies: Record<string, (source: string, target: string, filter?: CopyFilter) => unknown> = {
    cpSync: (source, target, filter) => fs.cpSync(source, target, { recursive: true, dereference: true, filter: filter as (s: string, t: string) => boolean }),
    'promises.cp': (source, target, filter) => fs.promises.cp(source, target, { recursive: true, dereference: true, filter }),
    'cp (callback)': (source, target, filter) =>
      new Promise((resolve, reject) => fs.cp(source, target, { recursive: true, dereference: true, filter }, (error) => (error ? reject(error) : resolve(0)))),
  };
  for (const [copier, copy] of Object.entries(recursiveCopies)) {
    it(`refuses a recursive ${copier} of a declared folder that holds an undeclared file, and copies a clean one`, async () => {
      const { policy, at, outDir } = workspace();
      mkdirSync(at('pipelines/p/s/data/deep'), { recursive: true });
      writeFileSync(at('pipelines/p/s/data/deep/a.csv'), 'a\n1\n');
      await withStrictAccess(policy, async () => copy(at('pipelines/p/s/data'), join(outDir, 'clean')));
      expect(readFileSync(join(outDir, 'clean/deep/a.csv'), 'utf8')).toBe('a\n1\n');

      symlinkSync('../../../../../docs/secret.csv', at('pipelines/p/s/data/deep/link.csv'));
      const throughLink = await refusal(policy, () => copy(at('pipelines/p/s/data'), join(outDir, 'linked')));
      expect(throughLink, `${copier}: a symlink to an undeclared file`).toBeInstanceOf(UndeclaredInputError);
      expect((throughLink as Error).message).toBe(
        "Stage read 'docs/secret.csv' (through the symlink 'pipelines/p/s/data/deep/link.csv'), which is not among its declared inputs",
      );
      expect(fs.existsSync(join(outDir, 'linked/deep/link.csv')), `${copier} copied the undeclared file`).toBe(false);

      rmSync(at('pipelines/p/s/data/deep/link.csv'));
      writeFileSync(at('pipelines/p/s/data/NOTES.md'), 'not hashed');
      const markdown = await refusal(policy, () => copy(at('pipelines/p/s/data'), join(outDir, 'notes')));
      expect(markdown, `${copier}: Markdown the stage does not hash`).toBeInstanceOf(UndeclaredInputError);
      expect((markdown as Error).message).toContain("'pipelines/p/s/data/NOTES.md'");
    });

    it(`lets a recursive ${copier} skip, with its filter, the entries it may not read`, async () => {
      const { policy, at, outDir } = workspace();
      mkdirSync(at('pipelines/p/s/data/deep'), { recursive: true });
      writeFileSync(at('pipelines/p/s/data/deep/a.csv'), 'a\n1\n');
      writeFileSync(at('pipelines/p/s/data/NOTES.md'), 'not hashed');
      symlinkSync('../../../../../docs/secret.csv', at('pipelines/p/s/data/deep/link.csv'));
      const skipped = new Set(['NOTES.md', 'link.csv']);
      const filter = (source: string, target: string) => {
        expect(target.startsWith(join(outDir, 'filtered')), `${copier}: the filter's destination`).toBe(true);
        return !skipped.has(source.split('/').at(-1)!);
      };
      await withStrictAccess(policy, async () => copy(at('pipelines/p/s/data'), join(outDir, 'filtered'), filter));
      expect(readFileSync(join(outDir, 'filtered/deep/a.csv'), 'utf8')).toBe('a\n1\n');
      expect(fs.existsSync(join(outDir, 'filtered/NOTES.md'))).toBe(false);

      // An async filter's answer is not known before the copy starts: every entry counts.
      const asyncFilter = async (source: string) => !skipped.has(source.split('/').at(-1)!);
      const refused = await refusal(policy, () => copy(at('pipelines/p/s/data'), join(outDir, 'async'), asyncFilter));
      if (copier === 'cpSync') expect(refused, 'cpSync takes no async filter').toBeDefined();
      else expect(refused, copier).toBeInstanceOf(UndeclaredInputError);
    });

    it(`refuses a recursive ${copier} into the output folder through a symlink there that points into the workspace`, async () => {
      const { policy, at, outDir } = workspace();
      mkdirSync(join(outDir, 'target'));
      symlinkSync(at('docs'), join(outDir, 'target/docs'));
      const scratch = mkdtempSync(join(tmpdir(), 'copy-source-'));
      mkdirSync(join(scratch, 'docs'));
      writeFileSync(join(scratch, 'docs/secret.csv'), 'overwritten');
      const error = await refusal(policy, () => copy(scratch, join(outDir, 'target')));
      expect(error, copier).toBeInstanceOf(UndeclaredWriteError);
      expect(readFileSync(at('docs/secret.csv'), 'utf8')).toBe('a\n1\n');
    });
  }

  it('names the real file and the link it was read through, and says how to declare it', async () => {
    const { policy, at } = workspace();
    const error = (await refusal(policy, () => fs.readFileSync(at('pipelines/p/s/link.csv')))) as UndeclaredInputError;
    expect(error.message).toBe("Stage read 'docs/secret.csv' (through the symlink 'pipelines/p/s/link.csv'), which is not among its declared inputs");
    expect(error.stage).toBe('p-s');
    expect(error.file).toBe('docs/secret.csv');
    expect(error.hint).toContain('"strict": false in pipelines/p/s/stage.json');
  });

  it('refuses requiring a module the stage does not hash, even one loaded before the stage started', async () => {
    const { policy, at } = workspace();
    const load = createRequire(at('pipelines/p/s/script.js'));
    expect(load(at('packages/data/src/loaded.js'))).toBe(2); // already in the module cache: no file read
    const error = await refusal(policy, () => load('../../../packages/data/src/loaded.js'));
    expect(error).toBeInstanceOf(UndeclaredInputError);
    expect((error as Error).message).toContain("'packages/data/src/loaded.js'");
    await expect(withStrictAccess(policy, async () => [load('../../../node_modules/pkg'), load('node:path') !== undefined])).resolves.toEqual([1, true]);
  });

  it('refuses listing or watching a folder that is not declared', async () => {
    const { policy, at } = workspace();
    for (const list of [
      () => fs.readdirSync(at('docs')),
      () => fs.promises.readdir(at('docs')),
      () => fs.opendirSync(at('docs')).closeSync(),
      () => fs.watch(at('docs')).close(),
      () => fs.readlinkSync(at('pipelines/p/s/link.csv')) && fs.readdirSync(at('pipelines')),
    ]) {
      const error = await refusal(policy, list);
      expect(error).toBeInstanceOf(UndeclaredInputError);
      expect((error as Error).message).toMatch(/^Stage listed the folder '(docs|pipelines)'/);
    }
  });

  it('fails the stage even when its code swallowed the error, and restores fs afterwards', async () => {
    const { policy, at } = workspace();
    let kept: typeof fs.readFileSync | undefined;
    await expect(
      withStrictAccess(policy, async () => {
        kept = fs.readFileSync; // a module loaded during the stage keeps the guarded function
        try {
          fs.readFileSync(at('docs/secret.csv'));
        } catch {
          /* a careless stage */
        }
      }),
    ).rejects.toThrow(/docs\/secret.csv/);
    expect(fs.readFileSync).not.toBe(kept);
    expect(kept?.(at('docs/secret.csv'), 'utf8')).toBe('a\n1\n');
    expect(readFileSync(at('docs/secret.csv'), 'utf8')).toBe('a\n1\n');
  });
});

describe('withStrictAccess: writes', () => {
  const writers: Record<string, (path: string, outDir: string) => unknown> = {
    writeFileSync: (path) => fs.writeFileSync(path, 'x'),
    'promises.writeFile': (path) => fs.promises.writeFile(path, 'x'),
    'appendFile (callback)': (path) => new Promise((resolve, reject) => fs.appendFile(path, 'x', (error) => (error ? reject(error) : resolve(0)))),
    "openSync 'w'": (path) => fs.closeSync(fs.openSync(path, 'w')),
    'openSync O_WRONLY|O_CREAT': (path) => fs.closeSync(fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_CREAT)),
    createWriteStream: (path) => fs.createWriteStream(path).destroy(),
    'copyFileSync destination': (path, outDir) => fs.copyFileSync(join(outDir, 'mine.txt'), path),
    'cpSync destination': (path, outDir) => fs.cpSync(join(outDir, 'mine.txt'), path),
    'renameSync into the workspace': (path, outDir) => fs.renameSync(join(outDir, 'mine.txt'), path),
    symlinkSync: (path) => fs.symlinkSync('/etc/hostname', path),
    mkdirSync: (path) => fs.mkdirSync(path),
    'promises.mkdtemp': (path) => fs.promises.mkdtemp(path),
  };
  const places: Record<string, string> = {
    'the workspace root': 'new.txt',
    "another stage's input folder": 'docs/new.csv',
    "the stage's own folder, outside its output": 'pipelines/p/s/new.txt',
  };
  for (const [writer, write] of Object.entries(writers)) {
    it(`refuses writes inside the workspace outside the output folder through ${writer}`, async () => {
      const { policy, at, outDir } = workspace();
      for (const [what, file] of Object.entries(places)) {
        const error = await refusal(policy, () => write(at(file), outDir));
        expect(error, `${writer}: ${what}`).toBeInstanceOf(UndeclaredWriteError);
        expect(fs.existsSync(at(file)), `${writer} left ${file}`).toBe(false);
      }
    });
  }

  it('refuses changing or removing existing workspace files, also through a symlink in the output folder', async () => {
    const { policy, at, outDir } = workspace();
    symlinkSync(at('docs/secret.csv'), join(outDir, 'evil.csv'));
    for (const change of [
      () => fs.writeFileSync(join(outDir, 'evil.csv'), 'tampered'),
      () => fs.truncateSync(at('docs/secret.csv')),
      () => fs.chmodSync(at('docs/secret.csv'), 0o600),
      () => fs.utimesSync(at('docs/secret.csv'), 1, 1),
      () => fs.rmSync(at('docs'), { recursive: true }),
      () => fs.unlinkSync(at('docs/secret.csv')),
      () => fs.renameSync(at('docs/secret.csv'), join(outDir, 'moved.csv')),
      () => fs.promises.rm(at('pipelines/p/s/stage.json')),
    ]) {
      expect(await refusal(policy, change)).toBeInstanceOf(UndeclaredWriteError);
    }
    expect(readFileSync(at('docs/secret.csv'), 'utf8')).toBe('a\n1\n');
    expect(fs.existsSync(at('pipelines/p/s/stage.json'))).toBe(true);
  });

  it('refuses a symlink in the output folder to an undeclared workspace file (its content would be an output), not to a declared one', async () => {
    const { policy, at, outDir, outside } = workspace();
    for (const link of [
      () => fs.symlinkSync(at('docs/secret.csv'), join(outDir, 'absolute.csv')),
      () => fs.symlinkSync('../../../../docs/secret.csv', join(outDir, 'relative.csv')),
      () => fs.promises.symlink(Buffer.from('../README.md'), join(outDir, 'notes.md')),
    ]) {
      const error = await refusal(policy, link);
      expect(error).toBeInstanceOf(UndeclaredInputError);
      expect((error as Error).message).toMatch(/^Stage read '(docs\/secret\.csv|pipelines\/p\/s\/README\.md)', which is not among its declared inputs/);
    }
    expect(fs.readdirSync(outDir)).toEqual(['mine.txt']);
    await withStrictAccess(policy, async () => {
      fs.symlinkSync('../stage.json', join(outDir, 'stage.json'));
      fs.symlinkSync(outside, join(outDir, 'outside.txt'));
    });
    expect(readFileSync(join(outDir, 'stage.json'), 'utf8')).toBe('{}');
  });

  it('names the stage, the file and what to do', async () => {
    const { policy, at } = workspace();
    const error = (await refusal(policy, () => fs.writeFileSync(at('docs/new.csv'), 'x'))) as UndeclaredWriteError;
    expect(error.message).toBe("Stage wrote to 'docs/new.csv', outside its output folder");
    expect(error.stage).toBe('p-s');
    expect(error.hint).toContain('os.tmpdir()');
    expect(error.hint).toContain('"strict": false in pipelines/p/s/stage.json');
  });

  it('lets a stage write its output folder and outside the workspace, and create folders that exist', async () => {
    const { policy, at, outDir } = workspace();
    const scratch = mkdtempSync(join(tmpdir(), 'scratch-'));
    await withStrictAccess(policy, async () => {
      fs.mkdirSync(join(outDir, 'sub/deep'), { recursive: true });
      fs.writeFileSync(join(outDir, 'sub/deep/a.txt'), 'a');
      await fs.promises.rename(join(outDir, 'sub/deep/a.txt'), join(outDir, 'a.txt'));
      fs.writeFileSync(join(scratch, 'tmp.txt'), 'scratch');
      fs.mkdirSync(at('pipelines/p'), { recursive: true }); // exists: changes nothing
    });
    expect(readFileSync(join(outDir, 'a.txt'), 'utf8')).toBe('a');
  });
});

describe('runStage in strict mode', () => {
  it('lets the work write its temp output and its own run folder (reports kept outside out/), nothing else', async () => {
    const { root, at } = workspace();
    let refused: unknown;
    await runStage({
      stage: { name: 'p-s', pipeline: 'p', kind: 'script', file: 'pipelines/p/s/stage.json' },
      config: {},
      workspaceRoot: root,
      outputDir: at('pipelines/p/s/out'),
      packages: [],
      onProgress: () => undefined,
      strict: { reads: [at('pipelines/p/s')], writes: [] },
      work: async (context) => {
        fs.writeFileSync(join(context.outDir, 'artifact.txt'), 'a');
        fs.mkdirSync(at('.reproml/runs/p-s'), { recursive: true });
        fs.writeFileSync(at('.reproml/runs/p-s/report.json'), '{}');
        try {
          fs.mkdirSync(at('.reproml/runs/p-other'), { recursive: true });
        } catch (error) {
          refused = error;
        }
      },
    }).catch(() => undefined);
    expect(refused).toBeInstanceOf(UndeclaredWriteError);
    expect(readFileSync(at('.reproml/runs/p-s/report.json'), 'utf8')).toBe('{}');
    expect(fs.existsSync(at('.reproml/runs/p-other'))).toBe(false);
  });
});

describe('the guarded fs surface', () => {
  it('covers every path-taking function of node:fs and node:fs/promises, or says why not', () => {
    const known = new Set([...GUARDED_FS_CALLS, ...Object.keys(UNGUARDED_FS_CALLS)]);
    const names = [
      ...Object.keys(fs).filter((name) => typeof (fs as unknown as Record<string, unknown>)[name] === 'function' && /^[a-z]/.test(name)),
      ...Object.keys(fs.promises).filter((name) => typeof (fs.promises as unknown as Record<string, unknown>)[name] === 'function'),
    ].map((name) => name.replace(/Sync$/, ''));
    const unknown = [...new Set(names)].filter((name) => !known.has(name));
    expect(unknown, 'fs functions neither guarded nor listed as unguarded').toEqual([]);
  });
});
