import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoWorkspace } from './support/demo-pipeline';
import type { TempWorkspace } from './support/temp-workspace';

describe('what Nx sees of a stage (real nx CLI)', () => {
  let workspace: TempWorkspace;

  beforeAll(() => {
    workspace = createDemoWorkspace('config');
  });
  afterAll(() => workspace?.remove());

  it('lists one project per stage, tagged by pipeline and kind, with graph edges from `inputs`', () => {
    const projects = workspace.nxOk(['show', 'projects', '--projects', 'tag:pipeline:demo']).trim().split('\n').sort();
    expect(projects).toEqual(['demo-data', 'demo-extra', 'demo-report', 'demo-stats']);
    const stats = JSON.parse(workspace.nxOk(['show', 'project', 'demo-stats', '--json']));
    expect(stats.tags).toEqual(['pipeline:demo', 'stage:script']);
    const graph = JSON.parse(workspace.nxOk(['graph', '--file=stdout']));
    expect(graph.graph.dependencies['demo-stats']).toEqual([expect.objectContaining({ target: 'demo-data', type: 'static' })]);
    expect(graph.graph.dependencies['demo-report']).toEqual([expect.objectContaining({ target: 'demo-stats' })]);
  });

  it('declares the stage config, dataset lock, upstream outputs, packages and Node runtime as inputs of `run`', () => {
    const inputs = JSON.parse(workspace.nxOk(['show', 'target', 'inputs', 'demo-data:run', '--json']));
    expect(inputs.files).toEqual(
      expect.arrayContaining([
        'pipelines/demo/data/stage.json',
        'pipelines/demo/data/stage.lock.json',
        'pipelines/demo/raw/measurements.csv',
        'packages/data/src/lib/run-pull.ts',
      ]),
    );
    expect(inputs.files.some((file: string) => file.startsWith('pipelines/demo/data/out/'))).toBe(false);
    expect(inputs.runtime).toEqual(['node --version']);
    expect(inputs.external).toEqual(expect.arrayContaining(['npm:zod']));

    const text = workspace.nxOk(['show', 'target', 'inputs', 'demo-stats:run']);
    expect(text).toContain('{"dependentTasksOutputFiles":"**/!(lineage.json)","transitive":true}');
    expect(text).toContain('pipelines/demo/stats/stats.ts');
  });

  it('fails `nx show projects` on a stage file with a misspelt field, naming the file and the field', () => {
    const good = workspace.read('pipelines/demo/stats/stage.json');
    workspace.write('pipelines/demo/stats/stage.json', good.replace('"script": "stats.ts"', '"scirpt": "stats.ts"'));
    try {
      const result = workspace.nx(['show', 'projects']);
      expect(result.status).not.toBe(0);
      expect(result.output).toContain("Unknown field 'scirpt' in pipelines/demo/stats/stage.json (did you mean 'script'?)");
      // Only the real mistake is reported, not a knock-on error from the stage that depends on it.
      expect(result.output).not.toContain('which does not exist');
    } finally {
      workspace.write('pipelines/demo/stats/stage.json', good);
    }
  });

  it('fails on an input naming a stage that does not exist', () => {
    const good = workspace.read('pipelines/demo/report/stage.json');
    workspace.write('pipelines/demo/report/stage.json', good.replace('"stats": "stats"', '"stats": "stat"'));
    try {
      const result = workspace.nx(['show', 'projects']);
      expect(result.status).not.toBe(0);
      expect(result.output).toContain("Input 'stats' names stage 'stat', which does not exist (did you mean 'demo-stats'?)");
    } finally {
      workspace.write('pipelines/demo/report/stage.json', good);
    }
  });
});
