import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** The entry Nx loads (package.json `main`): compiled JavaScript, no transpiler. */
const PLUGIN_ENTRY = join(__dirname, '..', '..', 'index.js');
const WORKSPACE_ROOT = join(__dirname, '..', '..', '..', '..');

/**
 * Modules a fresh Node process has loaded after the plugin's entry computed the project graph
 * of this workspace (createNodes, then createDependencies, as Nx calls them), with the plugin's
 * graph cache in `dataDir`, and whether a `.ts` loader got registered.
 */
function modulesLoadedByGraph(dataDir: string): { modules: string[]; typescriptLoader: boolean } {
  const script = `
    const { readdirSync, existsSync } = require('node:fs');
    const plugin = require(${JSON.stringify(PLUGIN_ENTRY)});
    const root = ${JSON.stringify(WORKSPACE_ROOT)};
    const files = readdirSync(root + '/pipelines').flatMap((p) => readdirSync(root + '/pipelines/' + p).map((s) => 'pipelines/' + p + '/' + s + '/stage.json')).filter((f) => existsSync(root + '/' + f));
    (async () => {
      const nodes = await plugin.createNodesV2[1](files, undefined, { workspaceRoot: root, nxJsonConfiguration: {} });
      const projects = {};
      for (const [, result] of nodes) for (const project of Object.values(result.projects)) projects[project.name] = project;
      await plugin.createDependencies(undefined, { workspaceRoot: root, nxJsonConfiguration: {}, projects, externalNodes: {}, fileMap: { projectFileMap: {}, nonProjectFiles: [] }, filesToProcess: { projectFileMap: {}, nonProjectFiles: [] } });
      process.stdout.write(JSON.stringify({ modules: Object.keys(require.cache), typescriptLoader: '.ts' in require.extensions }));
    })();`;
  const output = execFileSync(process.execPath, ['-e', script], {
    cwd: join(__dirname, '..', '..'),
    encoding: 'utf8',
    env: { ...process.env, NX_WORKSPACE_DATA_DIRECTORY: dataDir },
  });
  return JSON.parse(output) as { modules: string[]; typescriptLoader: boolean };
}

describe('the plugin at graph time', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'reproml-graph-data-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const computed = modulesLoadedByGraph(dataDir);
  const cached = modulesLoadedByGraph(dataDir);
  const loadedFrom = (loaded: { modules: string[] }, fragment: string) => loaded.modules.filter((path) => path.includes(fragment)).slice(0, 3);

  it('computing the graph loads kind declarations only: not onnxruntime, the Hub client, danfojs or the run store (each loads where it is used)', () => {
    expect(loadedFrom(computed, '/plugins/nx/dist/src/stage-file/stage-kinds.js')).toHaveLength(1);
    for (const heavy of ['onnxruntime-node', '@huggingface/hub', 'danfojs-node', '@tensorflow', 'better-sqlite3', 'pg', 'packages/tracking']) {
      expect({ heavy, loaded: loadedFrom(computed, `/${heavy}/`) }).toEqual({ heavy, loaded: [] });
    }
  });

  it('with the graph cached and nothing changed, loads no kind, no zod and no @reproml package', () => {
    for (const module of ['/stage-file/stage-kinds.js', '/stage-file/load-stage.js', '/plugin/create-nodes.js', '/zod/', '/packages/']) {
      expect({ module, loaded: loadedFrom(cached, module) }).toEqual({ module, loaded: [] });
    }
  });

  it('is compiled JavaScript: no TypeScript file, no transpiler (Nx registers none for a .js entry)', () => {
    for (const loaded of [computed, cached]) {
      expect(loaded.modules.filter((path) => /\.[cm]?ts$/.test(path))).toEqual([]);
      expect(loaded.modules.filter((path) => /\/(typescript|@swc|@swc-node)\//.test(path))).toEqual([]);
      expect(loaded.typescriptLoader).toBe(false);
    }
  });
});

/**
 * Modules a fresh Node process has loaded after the plugin's postTasksExecution recorded one
 * restored stage of the git checkout `root` (the run store's journal in `root`, the graph cache
 * in `dataDir`).
 */
function modulesLoadedByRestores(root: string, dataDir: string): string[] {
  const script = `
    const plugin = require(${JSON.stringify(PLUGIN_ENTRY)});
    const task = { id: 'p-data:run', target: { project: 'p-data', target: 'run' }, projectRoot: 'pipelines/p/data', hash: 'h', startTime: 1000, endTime: 1500 };
    const context = { id: 'x', workspaceRoot: ${JSON.stringify(root)}, nxJsonConfiguration: {}, argv: [], startTime: 1000, endTime: 2000, taskResults: { 'p-data:run': { task, status: 'local-cache', code: 0 } } };
    plugin.postTasksExecution(undefined, context).then(() => process.stdout.write(JSON.stringify(Object.keys(require.cache))));`;
  const output = execFileSync(process.execPath, ['-e', script], {
    cwd: join(__dirname, '..', '..'),
    encoding: 'utf8',
    env: { ...process.env, NX_WORKSPACE_DATA_DIRECTORY: dataDir, REPROML_TRACKING_DB: join(root, '.runs', 'runs.sqlite') },
  });
  return JSON.parse(output) as string[];
}

describe('the plugin recording cache restores after a run', () => {
  const root = mkdtempSync(join(tmpdir(), 'reproml-restore-modules-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'reproml-restore-data-'));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: root });
  mkdirSync(join(root, 'pipelines', 'p', 'data'), { recursive: true });
  writeFileSync(join(root, 'pipelines', 'p', 'data', 'stage.json'), JSON.stringify({ kind: 'pull', files: { a: { source: 'a.csv' } } }));
  writeFileSync(join(root, 'a.csv'), 'x\n1\n');
  writeFileSync(join(root, '.gitignore'), '.runs\n');
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'stages');
  const clean = modulesLoadedByRestores(root, dataDir);
  writeFileSync(join(root, 'notes.txt'), 'uncommitted, outside every stage chain');
  const dirtyFirst = modulesLoadedByRestores(root, dataDir);
  const dirtyAgain = modulesLoadedByRestores(root, dataDir);
  const loaded = (modules: string[], fragment: string) => modules.filter((path) => path.includes(fragment)).slice(0, 3);
  const light = ['/zod/', 'better-sqlite3', '/pg/', '/stage-file/stage-kinds.js', '/core/dist/src/index.js', '/tracking/dist/src/index.js'];

  it("journals them without zod, the SQLite driver or a kind when the tree is clean, and when the stages' chains are cached", () => {
    for (const modules of [clean, dirtyAgain]) {
      for (const module of light) expect({ module, loaded: loaded(modules, module) }).toEqual({ module, loaded: [] });
      expect(loaded(modules, '/tracking/dist/src/journal.js')).toHaveLength(1);
    }
  });

  it("journals every restore, clean where the uncommitted file is outside the stage's chain", () => {
    const journal = readFileSync(join(root, '.runs', 'runs.sqlite.journal'), 'utf8')
      .trim()
      .split('\n');
    expect(journal.map((line) => JSON.parse(line).run).map((run: { project: string; gitDirty: boolean }) => [run.project, run.gitDirty])).toEqual([
      ['p-data', false],
      ['p-data', false],
      ['p-data', false],
    ]);
  });

  it('loads the stage kinds when the tree is dirty and the chains are not cached yet (to compute them)', () => {
    expect(loaded(dirtyFirst, '/stage-file/stage-kinds.js')).toHaveLength(1);
  });
});
