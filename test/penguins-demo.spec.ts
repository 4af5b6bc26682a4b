import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotFiles } from './support/output-snapshot';
import { TempWorkspace, taskOutcomes } from './support/temp-workspace';

/** The example pipeline, as `npm run demo` runs it, in a throwaway copy of the workspace. */
describe('the penguins example pipeline (real nx CLI)', () => {
  let workspace: TempWorkspace;
  let stages: string[];
  const runPipeline = ['run-many', '-t', 'run', '--projects', 'tag:pipeline:penguins', '--output-style=stream'];

  beforeAll(() => {
    workspace = TempWorkspace.create({ label: 'penguins', pipelines: ['penguins'] });
    stages = workspace.nxOk(['show', 'projects', '--projects', 'tag:pipeline:penguins']).trim().split('\n').sort();
  });
  afterAll(() => workspace?.remove());

  it('runs end to end, every stage writing its lineage, and a second run is all cache hits', () => {
    expect(stages).toContain('penguins-data');
    const first = taskOutcomes(workspace.nxOk(runPipeline));
    expect(first.executed).toEqual(stages.map((stage) => `${stage}:run`).sort());
    const outDirs = readdirSync(workspace.path('pipelines/penguins'))
      .filter((stage) => workspace.exists(`pipelines/penguins/${stage}/stage.json`))
      .map((stage) => `pipelines/penguins/${stage}/out`);
    for (const dir of outDirs) expect(workspace.exists(`${dir}/lineage.json`)).toBe(true);
    // One seed: model.json records the seed lineage.json records (the stage file's, else the default 42).
    for (const train of ['train', 'train-gbdt']) {
      const trainLineage = JSON.parse(workspace.read(`pipelines/penguins/${train}/out/lineage.json`));
      expect({ train, seed: JSON.parse(workspace.read(`pipelines/penguins/${train}/out/model.json`)).seed }).toEqual({ train, seed: trainLineage.seed });
      expect(trainLineage.seed).toBe(JSON.parse(workspace.read(`pipelines/penguins/${train}/stage.json`)).seed ?? 42);
    }
    const artifacts = snapshotFiles(workspace.root, outDirs);

    // Every stage is a cache hit except the push, which is never cached (its target is outside out/):
    // it runs, finds the same artifacts in the registry, and writes the same receipt.
    const second = taskOutcomes(workspace.nxOk(runPipeline));
    expect(second.executed).toEqual(['penguins-push:run']);
    expect(second.cached).toEqual(
      stages
        .filter((stage) => stage !== 'penguins-push')
        .map((stage) => `${stage}:run`)
        .sort(),
    );
    expect(snapshotFiles(workspace.root, outDirs)).toEqual(artifacts);
  });
});
