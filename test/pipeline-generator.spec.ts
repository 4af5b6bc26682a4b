import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reproml } from './support/reproml-cli';
import { REPO_ROOT, TempWorkspace, taskOutcomes } from './support/temp-workspace';

/** From a data file to a pushed model: `nx g @reproml/nx:pipeline` on a shipped dataset, run by the real nx CLI. */
describe('nx g @reproml/nx:pipeline (real nx CLI)', () => {
  let workspace: TempWorkspace;
  const stages = ['birds-data', 'birds-evaluate', 'birds-preprocess', 'birds-push', 'birds-train'].map((project) => `${project}:run`);
  const runMany = ['run-many', '-t', 'run', '--projects', 'tag:pipeline:birds', '--output-style=stream'];

  beforeAll(() => {
    workspace = TempWorkspace.create({ label: 'generator' });
    workspace.write('data/penguins.json', readFileSync(join(REPO_ROOT, 'pipelines/penguins/raw/penguins.json'), 'utf8'));
    workspace.commitAll('add the data file');
  });
  afterAll(() => workspace?.remove());

  const generate = ['g', '@reproml/nx:pipeline', 'birds', '--data', 'data/penguins.json', '--target', 'Species', '--no-interactive'];

  it('shows the files under --dry-run and writes none', () => {
    const output = workspace.nxOk([...generate, '--dry-run']);
    for (const stage of ['data', 'preprocess', 'train', 'evaluate', 'push']) expect(output).toContain(`CREATE pipelines/birds/${stage}/stage.json`);
    expect(output).toContain('CREATE pipelines/birds/data/stage.lock.json');
    expect(workspace.exists('pipelines/birds')).toBe(false);
  });

  it('prints what it inferred, and the pipeline runs green, then as cache hits, and verifies', () => {
    const output = workspace.nxOk(generate);
    expect(output).toContain('Task: classification');
    expect(output).toMatch(/Island\s+onehot\s+3 categories/);
    expect(output).toMatch(/Body Mass \(g\)\s+scale\s+numbers \(2 missing: median\)/);
    workspace.commitAll('generated pipeline');

    const first = taskOutcomes(workspace.nxOk(runMany));
    expect(first.executed).toEqual(stages);
    const metrics = JSON.parse(workspace.read('pipelines/birds/evaluate/out/metrics.json'));
    expect(metrics.accuracy).toBeGreaterThan(0.9);

    // push is never cached by design (it checks the registry every time, a no-op for known artifacts).
    const second = taskOutcomes(workspace.nxOk(runMany));
    expect(second.cached).toEqual(stages.filter((stage) => stage !== 'birds-push:run'));
    expect(second.executed).toEqual(['birds-push:run']);

    const verify = reproml(workspace, ['verify', 'birds']);
    expect(verify.status).toBe(0);
    for (const stage of ['birds-data', 'birds-evaluate', 'birds-preprocess', 'birds-train']) {
      expect(verify.stdout).toMatch(new RegExp(`✓ ${stage}\\s+bit-identical`));
    }
  });

  it('infers regression for a number target, and that pipeline runs green and then as cache hits too', () => {
    const output = workspace.nxOk(['g', '@reproml/nx:pipeline', 'mass', '--data', 'data/penguins.json', '--target', 'Body Mass (g)', '--no-interactive']);
    expect(output).toContain('Task: regression');
    expect(output).toContain('model: linear (baseline)');
    workspace.commitAll('generated regression pipeline');
    const run = ['run-many', '-t', 'run', '--projects', 'tag:pipeline:mass', '--output-style=stream'];
    const massStages = ['mass-data', 'mass-evaluate', 'mass-preprocess', 'mass-push', 'mass-train'].map((project) => `${project}:run`);
    expect(taskOutcomes(workspace.nxOk(run)).executed).toEqual(massStages);
    const metrics = JSON.parse(workspace.read('pipelines/mass/evaluate/out/metrics.json'));
    expect(metrics.r2).toBeGreaterThan(0.7);
    expect(taskOutcomes(workspace.nxOk(run)).cached).toEqual(massStages.filter((stage) => stage !== 'mass-push:run'));
  });
});
