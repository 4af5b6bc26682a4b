import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateNodesContextV2 } from '@nx/devkit';
import { describe, expect, it } from 'vitest';
import { createDependencies } from './create-dependencies';
import { createNodesV2 } from './create-nodes';

function workspaceWith(stages: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), 'reproml-plugin-'));
  for (const [path, content] of Object.entries(stages)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

const pullStage = { kind: 'pull', files: { penguins: { source: 'raw/penguins.json' } } };

/** createNodesFromFiles gathers per-file errors into one AggregateCreateNodesError. */
async function firstNodeError(root: string, file: string): Promise<string> {
  try {
    await nodesFor(root, [file]);
  } catch (error) {
    const errors = (error as { errors?: [string, Error][] }).errors ?? [];
    expect(errors[0]?.[0]).toBe(file);
    return errors[0]?.[1].message ?? String(error);
  }
  throw new Error('expected createNodes to fail');
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
      executor: '@reproml/nx:pull',
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
    expect(project.targets!.lock).toMatchObject({ executor: '@reproml/nx:lock', cache: false });
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
    expect(() =>
      createDependencies(undefined, {
        workspaceRoot: root,
        projects,
        nxJsonConfiguration: {},
        fileMap: { projectFileMap: {}, nonProjectFiles: [] },
        filesToProcess: { projectFileMap: {}, nonProjectFiles: [] },
        externalNodes: {},
      }),
    ).toThrow(/Input 'dataset' names stage 'dta', which does not exist \(did you mean 'p-data'\?\)/);
  });

  it('adds an edge from a stage to each upstream stage it names', () => {
    const root = workspaceWith({
      'pipelines/p/data/stage.json': pullStage,
      'pipelines/p/other/stage.json': { ...pullStage, inputs: { dataset: 'data' } },
    });
    const projects = { 'p-data': { root: 'pipelines/p/data' }, 'p-other': { root: 'pipelines/p/other' } };
    const edges = createDependencies(undefined, {
      workspaceRoot: root,
      projects,
      nxJsonConfiguration: {},
      fileMap: { projectFileMap: {}, nonProjectFiles: [] },
      filesToProcess: { projectFileMap: {}, nonProjectFiles: [] },
      externalNodes: {},
    });
    expect(edges).toEqual([{ source: 'p-other', target: 'p-data', type: 'static', sourceFile: 'pipelines/p/other/stage.json' }]);
  });
});
