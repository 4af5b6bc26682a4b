import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoWorkspace } from './support/demo-pipeline';
import { type TempWorkspace, taskOutcomes } from './support/temp-workspace';

describe('nx affected follows dataset locks through the stage graph (real nx CLI)', () => {
  let workspace: TempWorkspace;

  beforeAll(() => {
    workspace = createDemoWorkspace('affected');
  });
  afterAll(() => workspace?.remove());

  it('runs the stage whose lock changed and its dependents, and nothing else', () => {
    workspace.nxOk(['run-many', '-t', 'run', '--output-style=stream']);
    const before = workspace.git('rev-parse', 'HEAD').trim();
    const csv = 'id,value\n1,5\n2,7\n';
    workspace.write('pipelines/demo/raw/measurements.csv', csv);
    // The supported way to accept new data: the lock target, then a commit of the lock.
    workspace.nxOk(['run', 'demo-data:lock']);
    expect(workspace.read('pipelines/demo/data/stage.lock.json')).toContain('"size": 17');
    const after = workspace.commitAll('new measurements');

    const affected = workspace.nxOk(['show', 'projects', '--affected', `--base=${before}`, `--head=${after}`]);
    expect(affected.trim().split('\n').sort()).toEqual(['demo-data', 'demo-report', 'demo-stats']);

    const output = workspace.nxOk(['affected', '-t', 'run', `--base=${before}`, `--head=${after}`, '--output-style=stream']);
    const outcome = taskOutcomes(output);
    expect([...outcome.executed, ...outcome.cached].sort()).toEqual(['demo-data:run', 'demo-report:run', 'demo-stats:run']);
    expect(outcome.executed).toEqual(['demo-data:run', 'demo-report:run', 'demo-stats:run']);
    expect(output).not.toContain('demo-extra');
    expect(workspace.read('pipelines/demo/report/out/report.txt')).toBe('rows: 2, mean: 6\n');
  });
});
