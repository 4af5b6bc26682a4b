import { rmSync } from 'node:fs';
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

  it('a stage file with a misspelt field breaks only what touches it: other pipelines run, and its run names the file and the field', () => {
    const good = workspace.read('pipelines/demo/stats/stage.json');
    // A second pipeline, independent of the broken stage.
    workspace.write('pipelines/other/extra/stage.json', workspace.read('pipelines/demo/extra/stage.json'));
    workspace.write('pipelines/other/extra/stage.lock.json', workspace.read('pipelines/demo/extra/stage.lock.json'));
    workspace.write('pipelines/demo/stats/stage.json', good.replace('"script": "stats.ts"', '"scirpt": "stats.ts"'));
    const mistake = "Unknown field 'scirpt' in pipelines/demo/stats/stage.json (did you mean 'script'?)";
    try {
      const shown = workspace.nx(['show', 'projects']);
      expect(shown.status, shown.output).toBe(0);
      expect(shown.output).toContain(mistake);
      expect(shown.output).toContain('other-extra');
      // Only the real mistake is reported, not a knock-on error from the stage that depends on it.
      expect(shown.output).not.toContain('which does not exist');

      const other = workspace.nx(['run-many', '-t', 'run', '--projects', 'tag:pipeline:other', '--output-style=stream']);
      expect(other.status, other.output).toBe(0);
      expect(workspace.exists('pipelines/other/extra/out/extra.csv')).toBe(true);

      const downstream = workspace.nx(['run', 'demo-report:run', '--output-style=stream']);
      expect(downstream.status).not.toBe(0);
      expect(downstream.output).toContain(`[stage demo-stats, file pipelines/demo/stats/stage.json, field scirpt]`);
      expect(workspace.exists('pipelines/demo/report/out')).toBe(false);
    } finally {
      workspace.write('pipelines/demo/stats/stage.json', good);
      rmSync(workspace.path('pipelines/other'), { recursive: true, force: true });
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
