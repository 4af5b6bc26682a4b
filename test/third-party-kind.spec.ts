import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../packages/tracking/src';
import { reproml } from './support/reproml-cli';
import { TempWorkspace, taskOutcomes } from './support/temp-workspace';

/**
 * The example kind package (packages/feature-select) is registered in nx.json like any
 * third-party kind, and its stages get what built-in stages get.
 */
describe('a stage kind from another package (real nx CLI)', () => {
  let workspace: TempWorkspace;
  const project = 'examples-penguin-columns';
  const run = ['run', `${project}:run`, '--output-style=stream'];
  const env = () => ({ REPROML_TRACKING_DB: workspace.path('.tracking/runs.sqlite') });

  beforeAll(() => {
    workspace = TempWorkspace.create({ label: 'kind', pipelines: ['penguins', 'examples'] });
  });
  afterAll(() => workspace?.remove());

  it('becomes a project tagged with its kind, its package code and packages among the cache inputs', () => {
    expect(workspace.nxOk(['show', 'projects', '--projects', 'tag:stage:feature-select']).trim()).toBe(project);
    const inputs = workspace.nxOk(['show', 'target', 'inputs', `${project}:run`]);
    expect(inputs).toContain('{workspaceRoot}/packages/feature-select/src/**/*.ts');
    expect(inputs).toContain('{workspaceRoot}/packages/data/src/**/*.ts');
    expect(inputs).toMatch(/"externalDependencies":\["hyparquet","zod"\]/);
  });

  it('runs with lineage and tracking, is a cache hit the second time, and reruns when its package code changes', async () => {
    const first = taskOutcomes(workspace.nxOk(run, env()));
    expect(first.executed).toEqual([`${project}:run`, 'penguins-data:run']);
    const selection = JSON.parse(workspace.read('pipelines/examples/penguin-columns/out/selection.json'));
    expect(selection).toMatchObject({ schemaVersion: 1, source: 'penguins-data/out/penguins.json', rows: 344 });
    expect(selection.dropped).toEqual([{ column: 'Sex', reason: 'missing', nullFraction: expect.closeTo(0.029, 3) }]);
    const lineage = JSON.parse(workspace.read('pipelines/examples/penguin-columns/out/lineage.json'));
    expect(lineage.stage).toMatchObject({ name: project, kind: 'feature-select' });
    expect(lineage.seed).toBe(42);
    expect(lineage.inputs.map((input: { path: string }) => input.path)).toEqual(['pipelines/penguins/data/out/penguins.json']);
    expect(Object.keys(lineage.environment.packages)).toEqual(
      expect.arrayContaining(['@reproml/core', '@reproml/data', '@reproml/feature-select', '@reproml/nx', 'hyparquet', 'zod']),
    );

    expect(taskOutcomes(workspace.nxOk(run, env())).cached).toEqual([`${project}:run`, 'penguins-data:run']);
    const store = await RunStore.open({ path: env().REPROML_TRACKING_DB, readonly: true });
    try {
      const runs = await store.list({ stage: project });
      expect(runs.map((entry) => [entry.kind, entry.origin])).toEqual(
        expect.arrayContaining([
          ['feature-select', 'executed'],
          ['feature-select', 'cache'],
        ]),
      );
      // Only files outside its chain are uncommitted (the test's Nx cache and run store): the restore
      // is clean, its chain found through the registered kind (not the whole tree's state).
      expect(runs.filter((entry) => entry.origin === 'cache').map((entry) => entry.gitDirty)).toEqual([false]);
    } finally {
      await store.close();
    }

    const code = 'packages/feature-select/src/lib/select-columns.ts';
    workspace.write(code, `${workspace.read(code)}\n// edited\n`);
    const third = taskOutcomes(workspace.nxOk(run, env()));
    expect(third.executed).toEqual([`${project}:run`]);
  });

  it('fails at graph time when an input names a stage of another kind, naming both stages', () => {
    const file = 'pipelines/examples/penguin-columns/stage.json';
    const original = workspace.read(file);
    workspace.write(file, original.replace('"penguins/data"', '"penguins/preprocess"'));
    try {
      const result = workspace.nx(['show', 'projects']);
      expect(result.status).not.toBe(0);
      expect(result.output).toMatch(
        /Input 'dataset' of examples-penguin-columns names penguins-preprocess, a preprocess stage, but a feature-select stage needs/,
      );
    } finally {
      workspace.write(file, original);
    }
  });

  it('is checked by reproml verify like the built-in kinds', () => {
    const result = reproml(workspace, ['verify', 'examples']);
    expect(result.stdout + result.stderr).toContain('bit-identical');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`✓ ${project}\\s+bit-identical`));
  });
});
