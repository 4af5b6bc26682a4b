import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dependenciesContext } from './dependencies-context.testing';
import { commonKeyParts } from './graph-cache';
import { createDependencies, createNodesV2 } from './plugin-entry';
import type { ReproMLPluginOptions } from './plugin-options';

/** The plugin's graph cache through the entry Nx calls: each change a result depends on computes it again. */
describe('graph cache of createNodes and createDependencies', () => {
  let root: string;
  const write = (path: string, content: unknown) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  };
  const cacheFile = (name: string) => join(root, '.nx', 'workspace-data', `reproml-${name}.json`);
  /** The inode of the cache file: a computation writes a new file (by rename), a hit leaves it. */
  const written = (name: string) => statSync(cacheFile(name)).ino;
  const files = ['pipelines/p/data/stage.json', 'pipelines/p/train/stage.json'];
  const nodes = async (options: ReproMLPluginOptions = {}) => {
    const results = await createNodesV2[1](files, options, { workspaceRoot: root, nxJsonConfiguration: {} });
    return Object.fromEntries(results.flatMap(([, result]) => Object.values(result.projects ?? {}).map((project) => [project.name!, project])));
  };
  const dependencies = async (projects: Record<string, { root: string }>) => createDependencies({}, dependenciesContext(root, projects));

  const setUp = () => {
    root = mkdtempSync(join(tmpdir(), 'reproml-graph-cache-'));
    write('pipelines/p/data/stage.json', { kind: 'pull', files: { penguins: { source: 'raw/penguins.json' } } });
    write('pipelines/p/train/stage.json', { kind: 'train', inputs: { features: 'data' } });
  };
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('answers from the cache while nothing changed; an edited stage file is computed again', async () => {
    setUp();
    const first = await nodes();
    const inode = written('create-nodes');
    expect(await nodes()).toEqual(first);
    expect(written('create-nodes')).toBe(inode);
    write('pipelines/p/train/stage.json', { kind: 'train', inputs: { features: 'data' }, description: 'Edited' });
    const edited = await nodes();
    expect(written('create-nodes')).not.toBe(inode);
    expect(edited['p-train']!.metadata!.description).toBe('Edited');
  });

  it('a local dataset source that appears joins the inputs (its existence was recorded)', async () => {
    setUp();
    expect((await nodes())['p-data']!.targets!.run!.inputs).not.toContain('{workspaceRoot}/raw/penguins.json');
    write('raw/penguins.json', '[]');
    expect((await nodes())['p-data']!.targets!.run!.inputs).toContain('{workspaceRoot}/raw/penguins.json');
  });

  it('other plugin options (nx.json) are another key', async () => {
    setUp();
    await nodes();
    const inode = written('create-nodes');
    const renamed = await nodes({ runTargetName: 'stage' });
    expect(written('create-nodes')).not.toBe(inode);
    expect(Object.keys(renamed['p-data']!.targets!)).toContain('stage');
  });

  it('a registered kind module whose package changes is computed again', async () => {
    setUp();
    const zod = require.resolve('zod');
    const kindModule = (description: string) =>
      write(
        'kinds/acme/index.js',
        `const { z } = require(${JSON.stringify(zod)});
         const schema = z.object({ kind: z.literal('count'), inputs: z.record(z.string(), z.string()).default({}) }).strict();
         exports.stageKinds = [{ [Symbol.for('reproml.stage-kind')]: true, name: 'count', description: ${JSON.stringify(description)}, schema, inputs: {},
           outputs: [], packages: [], cache: true, openInputs: false, openOutputs: false, extraTargets: {}, run: async () => {} }];`,
      );
    write('kinds/acme/package.json', { name: '@acme/reproml-count', main: 'index.js' });
    kindModule('Counts rows');
    files.push('pipelines/p/count/stage.json');
    write('pipelines/p/count/stage.json', { kind: 'count' });
    try {
      const options = { kinds: ['./kinds/acme'] };
      expect((await nodes(options))['p-count']!.metadata!.description).toBe('Counts rows');
      // Same size, another mtime: the package's files are part of the key.
      const before = statSync(join(root, 'kinds/acme/index.js')).mtimeMs;
      kindModule('Counts cols');
      expect(statSync(join(root, 'kinds/acme/index.js')).mtimeMs).not.toBe(before);
      const inode = written('create-nodes');
      await nodes(options);
      expect(written('create-nodes')).not.toBe(inode);
    } finally {
      files.pop();
    }
  });

  it("the plugin's code and the built-in kinds are keyed by the compile stamps of the workspace's packages", () => {
    setUp();
    const checkout = join(root, 'checkout');
    write('checkout/packages/core/dist/.source-hash', { hash: 'a', stats: '' });
    const before = JSON.stringify(commonKeyParts(root, join(checkout, 'plugins', 'nx'), {}, []));
    write('checkout/packages/core/dist/.source-hash', { hash: 'b', stats: '' });
    expect(JSON.stringify(commonKeyParts(root, join(checkout, 'plugins', 'nx'), {}, []))).not.toBe(before);
  });

  it('an invalid stage file stays a stage:invalid project and its warning is printed again on a hit', async () => {
    setUp();
    write('pipelines/p/train/stage.json', { kind: 'train', inputs: { features: 'data' }, epochz: 3 });
    const warnings: string[] = [];
    const logger = (await import('@nx/devkit')).logger;
    const warn = vi.spyOn(logger, 'warn').mockImplementation((message: string) => warnings.push(message));
    try {
      const first = await nodes();
      expect(first['p-train']!.tags).toContain('stage:invalid');
      const inode = written('create-nodes');
      const again = await nodes();
      expect(written('create-nodes')).toBe(inode);
      expect(again['p-train']!.tags).toContain('stage:invalid');
      expect(again['p-train']!.metadata!.description).toMatch(/epochz/);
      const cached = JSON.parse(readFileSync(cacheFile('create-nodes'), 'utf8')) as { warnings: string[] };
      expect(cached.warnings).toEqual([expect.stringMatching(/^warning: .*epochz.*pipelines\/p\/train\/stage\.json/)]);
    } finally {
      warn.mockRestore();
    }
  });

  it('createDependencies: cached by the projects and the stage files it read; an edited upstream stage file is checked again', async () => {
    setUp();
    write('pipelines/p/data/stage.json', { kind: 'script', script: 'make.ts' });
    const projects = { 'p-data': { root: 'pipelines/p/data' }, 'p-train': { root: 'pipelines/p/train' } };
    const edges = await dependencies(projects);
    expect(edges).toEqual([{ source: 'p-train', target: 'p-data', type: 'static', sourceFile: 'pipelines/p/train/stage.json' }]);
    const inode = written('create-dependencies');
    expect(await dependencies(projects)).toEqual(edges);
    expect(written('create-dependencies')).toBe(inode);
    // The upstream stage becomes a pull stage, which a train stage's features cannot come from: the check runs again and fails.
    write('pipelines/p/data/stage.json', { kind: 'pull', files: { penguins: { source: 'raw/penguins.json' } } });
    await expect(dependencies(projects)).rejects.toThrow(/Input 'features' of p-train names p-data, a pull stage/);
    // A failed computation is not kept: the next call fails the same way.
    await expect(dependencies(projects)).rejects.toThrow(/a pull stage/);
  });
});
