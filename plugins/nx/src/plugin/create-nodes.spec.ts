import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateNodesContextV2 } from '@nx/devkit';
import { describe, expect, it } from 'vitest';
import { declaredAccess } from '../stage-file/declared-reads';
import { loadStage, stageParseCount } from '../stage-file/load-stage';
import { createDependencies } from './create-dependencies';
import { createNodesV2, type ReproMLPluginOptions } from './create-nodes';
import { dependenciesContext } from './dependencies-context.testing';

function workspaceWith(stages: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), 'reproml-plugin-'));
  for (const [path, content] of Object.entries(stages)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

const pullStage = { kind: 'pull', files: { penguins: { source: 'raw/penguins.json' } } };

/**
 * An invalid stage file becomes a project tagged `stage:invalid` whose uncached `run` fails
 * with the error (the rest of the graph stays usable); its description holds the message.
 */
async function firstNodeError(root: string, file: string): Promise<string> {
  const results = await nodesFor(root, [file]);
  expect(results[0]?.[0]).toBe(file);
  const project = Object.values(results[0]![1].projects ?? {})[0]!;
  expect(project.tags).toContain('stage:invalid');
  expect(project.targets?.run).toMatchObject({ executor: '@reproml/nx:stage', cache: false });
  return project.metadata?.description ?? '';
}

async function nodesFor(root: string, files: string[]) {
  const context: CreateNodesContextV2 = { workspaceRoot: root, nxJsonConfiguration: {} };
  return createNodesV2[1](files, {}, context);
}

describe('createNodesV2', () => {
  it('turns a stage file into a cached `run` target with the declared inputs and outputs', async () => {
    const root = workspaceWith({ 'pipelines/penguins/data/stage.json': pullStage, 'raw/penguins.json': '[]' });
    const results = await nodesFor(root, ['pipelines/penguins/data/stage.json']);
    const project = results[0]![1].projects!['pipelines/penguins/data']!;
    expect(project.name).toBe('penguins-data');
    expect(project.tags).toEqual(['pipeline:penguins', 'stage:pull']);
    const run = project.targets!.run!;
    expect(run).toMatchObject({
      executor: '@reproml/nx:stage',
      cache: true,
      dependsOn: ['^run'],
      outputs: ['{projectRoot}/out'],
      options: { stageFile: 'pipelines/penguins/data/stage.json' },
    });
    expect(run.inputs).toEqual(
      expect.arrayContaining([
        '{projectRoot}/**/*',
        '!{projectRoot}/out/**/*',
        '{workspaceRoot}/raw/penguins.json',
        { dependentTasksOutputFiles: '**/!(lineage.json)', transitive: true },
        { runtime: 'node --version' },
      ]),
    );
    expect(run.metadata?.description).toBeTruthy();
    expect(project.targets!.lock).toMatchObject({
      executor: '@reproml/nx:stage',
      options: { stageFile: 'pipelines/penguins/data/stage.json', target: 'lock' },
      cache: false,
    });
  });

  it('hashes the lockfile for a script stage (its code may import any installed package), not for a kind that lists its packages', async () => {
    const root = workspaceWith({
      'pipelines/p/data/stage.json': pullStage,
      'pipelines/p/stats/stage.json': { kind: 'script', script: 'stats.ts' },
      'raw/penguins.json': '[]',
      'pnpm-lock.yaml': "lockfileVersion: '9.0'\n",
    });
    const results = await nodesFor(root, ['pipelines/p/data/stage.json', 'pipelines/p/stats/stage.json']);
    const inputsOf = (index: number, projectRoot: string) => results[index]![1].projects![projectRoot]!.targets!.run!.inputs;
    expect(inputsOf(1, 'pipelines/p/stats')).toContain('{workspaceRoot}/pnpm-lock.yaml');
    expect(inputsOf(0, 'pipelines/p/data')).not.toContain('{workspaceRoot}/pnpm-lock.yaml');
  });

  it('marks the run target of a `heavy` stage `parallelism: false`, and only that one', async () => {
    const root = workspaceWith({
      'pipelines/p/light/stage.json': { kind: 'script', script: 'make.ts' },
      'pipelines/p/big/stage.json': { kind: 'script', script: 'make.ts', heavy: true, timeout: '15m', retries: 2 },
    });
    const results = await nodesFor(root, ['pipelines/p/light/stage.json', 'pipelines/p/big/stage.json']);
    const runOf = (index: number, projectRoot: string) => results[index]![1].projects![projectRoot]!.targets!.run!;
    expect(runOf(0, 'pipelines/p/light').parallelism).toBeUndefined();
    expect(runOf(1, 'pipelines/p/big').parallelism).toBe(false);
  });

  it('names the file and field of a bad timeout or retries', async () => {
    const root = workspaceWith({
      'pipelines/p/a/stage.json': { kind: 'script', script: 'make.ts', timeout: 'soon' },
      'pipelines/p/b/stage.json': { kind: 'script', script: 'make.ts', retries: -1 },
    });
    const results = await nodesFor(root, ['pipelines/p/a/stage.json', 'pipelines/p/b/stage.json']);
    const problemOf = (index: number, projectRoot: string) => results[index]![1].projects![projectRoot]!.targets!.run!.metadata?.description;
    expect(problemOf(0, 'pipelines/p/a')).toMatch(/file pipelines\/p\/a\/stage.json, field timeout\].*duration like '90s'/);
    expect(problemOf(1, 'pipelines/p/b')).toMatch(/file pipelines\/p\/b\/stage.json, field retries\]/);
  });

  it('fails with the file and the misspelt field named', async () => {
    const root = workspaceWith({
      'pipelines/penguins/data/stage.json': { kind: 'pull', filez: {}, files: { a: { source: 'a.csv' } } },
    });
    expect(await firstNodeError(root, 'pipelines/penguins/data/stage.json')).toMatch(
      /Unknown field 'filez' in pipelines\/penguins\/data\/stage.json \(did you mean 'files'\?\)/,
    );
  });

  it('fails on an unknown stage kind and suggests the close one', async () => {
    const root = workspaceWith({ 'pipelines/penguins/data/stage.json': { kind: 'pul', files: {} } });
    expect(await firstNodeError(root, 'pipelines/penguins/data/stage.json')).toMatch(/unknown kind "pul" \(did you mean 'pull'\?\)/);
  });
});

describe('createDependencies', () => {
  it('fails when an input names a stage that does not exist', () => {
    const root = workspaceWith({
      'pipelines/p/data/stage.json': pullStage,
      'pipelines/p/other/stage.json': { ...pullStage, inputs: { dataset: 'dta' } },
    });
    const projects = {
      'p-data': { root: 'pipelines/p/data' },
      'p-other': { root: 'pipelines/p/other' },
    };
    expect(() => createDependencies(undefined, dependenciesContext(root, projects))).toThrow(
      /Input 'dataset' names stage 'dta', which does not exist \(did you mean 'p-data'\?\)/,
    );
  });

  it('adds an edge from a stage to each upstream stage it names', () => {
    const root = workspaceWith({
      'pipelines/p/data/stage.json': pullStage,
      'pipelines/p/other/stage.json': { ...pullStage, inputs: { dataset: 'data' } },
    });
    const projects = { 'p-data': { root: 'pipelines/p/data' }, 'p-other': { root: 'pipelines/p/other' } };
    const edges = createDependencies(undefined, dependenciesContext(root, projects));
    expect(edges).toEqual([{ source: 'p-other', target: 'p-data', type: 'static', sourceFile: 'pipelines/p/other/stage.json' }]);
  });
});

function dependenciesOf(root: string, projects: Record<string, { root: string }>, options?: ReproMLPluginOptions) {
  return createDependencies(options, dependenciesContext(root, projects));
}

describe('upstream kinds', () => {
  const trainStage = { kind: 'train', inputs: { features: 'data' } };

  it('fail at graph time when an input names a stage of the wrong kind, naming both stages', () => {
    const root = workspaceWith({ 'pipelines/p/data/stage.json': pullStage, 'pipelines/p/train/stage.json': trainStage });
    const projects = { 'p-data': { root: 'pipelines/p/data' }, 'p-train': { root: 'pipelines/p/train' } };
    expect(() => dependenciesOf(root, projects)).toThrow(
      /Input 'features' of p-train names p-data, a pull stage, but a train stage needs the preprocess stage whose features the model is trained on there \(kind preprocess\)/,
    );
  });

  it('accept a script stage anywhere: what is read from it is checked when it is read', () => {
    const root = workspaceWith({
      'pipelines/p/data/stage.json': { kind: 'script', script: 'make.ts' },
      'pipelines/p/train/stage.json': trainStage,
    });
    const projects = { 'p-data': { root: 'pipelines/p/data' }, 'p-train': { root: 'pipelines/p/train' } };
    expect(dependenciesOf(root, projects)).toEqual([{ source: 'p-train', target: 'p-data', type: 'static', sourceFile: 'pipelines/p/train/stage.json' }]);
  });
});

describe('stage files', () => {
  it('are parsed once per content across createNodes, createDependencies and the strict-read list', async () => {
    const root = workspaceWith({
      'pipelines/q/data/stage.json': pullStage,
      'pipelines/q/prep/stage.json': { kind: 'preprocess', inputs: { dataset: 'data' }, target: { column: 'y' } },
      'pipelines/q/train/stage.json': { kind: 'train', inputs: { features: 'prep' } },
      'raw/penguins.json': '[]',
    });
    const files = ['pipelines/q/data/stage.json', 'pipelines/q/prep/stage.json', 'pipelines/q/train/stage.json'];
    const before = stageParseCount();
    await nodesFor(root, files);
    dependenciesOf(root, { 'q-data': { root: 'pipelines/q/data' }, 'q-prep': { root: 'pipelines/q/prep' }, 'q-train': { root: 'pipelines/q/train' } });
    declaredAccess(root, loadStage(root, 'pipelines/q/train/stage.json'));
    expect(stageParseCount() - before).toBe(files.length);
    // An edited file is parsed again.
    writeFileSync(join(root, 'pipelines/q/train/stage.json'), JSON.stringify({ kind: 'train', inputs: { features: 'prep' }, seed: 3 }));
    expect(loadStage(root, 'pipelines/q/train/stage.json').config.seed).toBe(3);
    expect(stageParseCount() - before).toBe(files.length + 1);
  });
});

describe('third-party kinds', () => {
  /** A kind package as a plain CommonJS module (what a published kind package compiles to). */
  function kindPackage(root: string): void {
    const zod = require.resolve('zod');
    mkdirSync(join(root, 'kinds/acme'), { recursive: true });
    writeFileSync(join(root, 'pnpm-workspace.yaml'), 'packages:\n  - kinds/*\n');
    writeFileSync(join(root, 'kinds/acme/package.json'), JSON.stringify({ name: '@acme/reproml-count', main: 'index.js' }));
    writeFileSync(
      join(root, 'kinds/acme/index.js'),
      `const { z } = require(${JSON.stringify(zod)});
       const schema = z.object({ kind: z.literal('count'), inputs: z.record(z.string(), z.string()).default({}), column: z.string() }).strict();
       exports.stageKinds = [{ [Symbol.for('reproml.stage-kind')]: true, name: 'count', description: 'Counts rows', schema, inputs: { dataset: { description: 'the pull stage', kinds: ['pull'] } },
         outputs: [], packages: ['zod'], cache: true, openInputs: false, openOutputs: false, extraTargets: {}, run: async () => {} }];`,
    );
  }

  it('registered in the plugin options become stage projects like the built-ins, with their package code hashed', async () => {
    const root = workspaceWith({
      'pipelines/p/data/stage.json': pullStage,
      'pipelines/p/count/stage.json': { kind: 'count', inputs: { dataset: 'data' }, column: 'x' },
    });
    kindPackage(root);
    const options = { kinds: ['./kinds/acme'] };
    const context: CreateNodesContextV2 = { workspaceRoot: root, nxJsonConfiguration: {} };
    const results = await createNodesV2[1](['pipelines/p/count/stage.json'], options, context);
    const run = results[0]![1].projects!['pipelines/p/count']!.targets!.run!;
    expect(results[0]![1].projects!['pipelines/p/count']!.tags).toEqual(['pipeline:p', 'stage:count']);
    expect(run).toMatchObject({ executor: '@reproml/nx:stage', cache: true });
    expect(run.inputs).toEqual(expect.arrayContaining(['{workspaceRoot}/kinds/acme/**/*.ts']));
    const projects = { 'p-data': { root: 'pipelines/p/data' }, 'p-count': { root: 'pipelines/p/count' } };
    expect(dependenciesOf(root, projects, options)).toEqual([
      { source: 'p-count', target: 'p-data', type: 'static', sourceFile: 'pipelines/p/count/stage.json' },
    ]);
  });

  it('are unknown without registration, and the error says where to register them', async () => {
    const root = workspaceWith({ 'pipelines/p/count/stage.json': { kind: 'count', column: 'x' } });
    expect(await firstNodeError(root, 'pipelines/p/count/stage.json')).toMatch(/unknown kind "count"/);
  });

  it('fail with the module named when the registered module cannot be found', async () => {
    const root = workspaceWith({ 'pipelines/p/data/stage.json': pullStage });
    const context: CreateNodesContextV2 = { workspaceRoot: root, nxJsonConfiguration: {} };
    const failure = await Promise.resolve()
      .then(() => createNodesV2[1](['pipelines/p/data/stage.json'], { kinds: ['@acme/missing'] }, context))
      .catch((error: unknown) => error);
    const errors = (failure as { errors?: [string, Error][] }).errors ?? [];
    expect(errors[0]?.[1].message).toMatch(/Stage kind module '@acme\/missing' cannot be found/);
  });
});
