import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoWorkspace, DEMO_STAGES, writeLock } from './support/demo-pipeline';
import { snapshotFiles } from './support/output-snapshot';
import { type TempWorkspace, taskOutcomes } from './support/temp-workspace';

const RUN_ALL = ['run-many', '-t', 'run', '--output-style=stream'];
const OUT_DIRS = ['data', 'extra', 'stats', 'report'].map((stage) => `pipelines/demo/${stage}/out`);
const allRuns = DEMO_STAGES.map((stage) => `${stage}:run`);

describe('stages as cached Nx projects (real nx CLI)', () => {
  let workspace: TempWorkspace;

  beforeAll(() => {
    workspace = createDemoWorkspace('cache');
  });
  afterAll(() => workspace?.remove());

  it('runs every stage once, then a second run is 100% cache hits that restore every output', () => {
    const first = taskOutcomes(workspace.nxOk(RUN_ALL));
    expect(first.executed).toEqual(allRuns);
    expect(workspace.read('pipelines/demo/report/out/report.txt')).toBe('rows: 3, mean: 20\n');
    const produced = snapshotFiles(workspace.root, OUT_DIRS);
    expect(Object.keys(produced)).toContain('pipelines/demo/stats/out/lineage.json');

    const second = workspace.nxOk(RUN_ALL);
    expect(taskOutcomes(second)).toEqual({ executed: [], cached: allRuns });
    expect(second).toContain('for 4 out of 4 tasks');

    for (const dir of OUT_DIRS) rmSync(workspace.path(dir), { recursive: true });
    const restored = taskOutcomes(workspace.nxOk(RUN_ALL));
    expect(restored.executed).toEqual([]);
    expect(snapshotFiles(workspace.root, OUT_DIRS)).toEqual(produced);
  });

  it('reruns nothing when a file that no stage reads changes', () => {
    workspace.write('docs/notes.txt', 'meeting notes\n');
    workspace.write('pipelines/demo/stats/README.md', '# What the stats stage does\n');
    expect(taskOutcomes(workspace.nxOk(RUN_ALL)).executed).toEqual([]);
  });

  it('does not rerun downstream stages when an upstream rerun writes the same artifacts (early cutoff)', () => {
    const stageFile = JSON.parse(workspace.read('pipelines/demo/data/stage.json'));
    workspace.write('pipelines/demo/data/stage.json', { ...stageFile, description: 'Same data, new words' });
    const outcome = taskOutcomes(workspace.nxOk(RUN_ALL));
    expect(outcome.executed).toEqual(['demo-data:run']);
    expect(outcome.cached).toEqual(['demo-extra:run', 'demo-report:run', 'demo-stats:run']);
  });

  it('reruns an upstream stage and its dependents only when its output content changes', () => {
    const csv = 'id,value\n1,10\n2,20\n3,30\n4,60\n';
    workspace.write('pipelines/demo/raw/measurements.csv', csv);
    writeLock(workspace, 'data', 'measurements', 'pipelines/demo/raw/measurements.csv', csv);
    const outcome = taskOutcomes(workspace.nxOk(RUN_ALL));
    expect(outcome.executed).toEqual(['demo-data:run', 'demo-report:run', 'demo-stats:run']);
    expect(outcome.cached).toEqual(['demo-extra:run']);
    expect(workspace.read('pipelines/demo/report/out/report.txt')).toBe('rows: 4, mean: 30\n');
  });

  it('fails a pull stage whose source bytes no longer match the lock, with both sha256 and the fix', () => {
    workspace.write('pipelines/demo/raw/extra.csv', 'id,other\n1,b\n');
    const result = workspace.nx(['run', 'demo-extra:run', '--output-style=stream']);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/does not match its lock: expected sha256 [0-9a-f]{64} .* got [0-9a-f]{64}/);
    expect(result.output).toContain('nx run demo-extra:lock');
    // The previous, good output is still there: a failed run leaves nothing half-written.
    expect(workspace.read('pipelines/demo/extra/out/extra.csv')).toBe('id,other\n1,a\n');
  });
});
