import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reproml } from './support/reproml-cli';
import { failedTasks, REPO_ROOT, TempWorkspace, taskOutcomes } from './support/temp-workspace';

/** tools/drift-gate.mjs on a drift report: exit status and output. */
function driftGate(path: string): { status: number; output: string } {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'tools', 'drift-gate.mjs'), path], { encoding: 'utf8' });
  return { status: result.status ?? 2, output: `${result.stdout}${result.stderr}` };
}

/** A penguins batch from tools/penguins-batch.mjs (seeded), as CSV or JSON text. */
function penguinsBatch(args: string[]): string {
  return execFileSync(process.execPath, [join(REPO_ROOT, 'tools', 'penguins-batch.mjs'), ...args], { encoding: 'utf8' });
}

/**
 * The monitoring and retraining loop on the penguins pipeline with the real nx CLI:
 * drift alert on a shifted batch → lock the new data revision and commit → `nx affected`
 * reruns only the dependent stages → evaluation thresholds → push a candidate version →
 * promotion to production needs an approval.
 */
describe('drift monitoring and controlled retraining (real nx CLI)', () => {
  let workspace: TempWorkspace;
  const env = { REPROML_REGISTRY_DIR: '' };
  const SHIFT = ['--seed', '11', '--rows', '100', '--mass-scale', '1.25', '--new-island', 'Anvers:0.2'];
  const affected = () => workspace.nx(['affected', '-t', 'run', '--base=HEAD~1', '--head=HEAD', '--output-style=stream'], env);
  const drift = () => JSON.parse(workspace.read('pipelines/penguins/drift/out/drift.json'));

  beforeAll(() => {
    process.env.REPROML_REGISTRY_DIR = '';
    workspace = TempWorkspace.create({ label: 'drift', pipelines: ['penguins'] });
  });
  afterAll(() => workspace?.remove());

  it('the shipped production batch does not drift: the whole pipeline is green and pushes v1', () => {
    const run = workspace.nxOk(['run-many', '-t', 'run', '--projects', 'tag:pipeline:penguins', '--output-style=stream'], env);
    expect(taskOutcomes(run).executed).toContain('penguins-drift:run');
    expect(run).toContain('drift ok');
    expect(drift()).toMatchObject({ verdict: 'ok', alerts: [], batch: { rows: 80 }, reference: { file: 'penguins-preprocess/out/train.raw.csv' } });
    expect(run).toMatch(/pushed penguins v1/);
    expect(driftGate(workspace.path('pipelines/penguins/drift/out/drift.json')).status).toBe(0);
  });

  it('a shifted batch, once locked and committed, reruns only the batch and drift stages and records an alert naming the features', () => {
    workspace.write('pipelines/penguins/raw/production-batch.csv', penguinsBatch(SHIFT));
    workspace.nxOk(['run', 'penguins-batch:lock']);
    workspace.commitAll('production batch of June (heavier birds, a new island)');

    const run = affected();
    // The predict stage refuses the new island, which the model was never fitted on (exactly
    // what the drift alert explains), with a typed error naming the column. Nothing else fails.
    expect(failedTasks(run.output), run.output).toEqual(['penguins-predict:run']);
    expect(run.output).toContain("column 'Island' holds values the model was not trained on: 'Anvers'");
    const outcome = taskOutcomes(run.output);
    // The batch and the stages that read it (drift; predict, where the pipeline has it) rerun;
    // the training stages are unaffected: restored from the cache, never retrained.
    expect(outcome.executed).toEqual(expect.arrayContaining(['penguins-batch:run', 'penguins-drift:run']));
    const training = ['penguins-data:run', 'penguins-preprocess:run', 'penguins-train:run'];
    expect(outcome.cached).toEqual(expect.arrayContaining(training));
    for (const task of [...training, 'penguins-evaluate:run', 'penguins-push:run']) expect(outcome.executed).not.toContain(task);

    const report = drift();
    expect(report.verdict).toBe('alert');
    expect(report.alerts).toEqual(expect.arrayContaining(['Island', 'Body Mass (g)']));
    const island = report.features.find((feature: { name: string }) => feature.name === 'Island');
    expect(island.unseen.values[0].value).toBe('Anvers');
    expect(report.prediction.excludedRows).toBeGreaterThan(0);
    const mass = report.features.find((feature: { name: string }) => feature.name === 'Body Mass (g)');
    expect(mass).toMatchObject({ verdict: 'alert', test: 'kolmogorov-smirnov', significant: true });
    expect(mass.psi).toBeGreaterThan(0.25);
    expect(run.output).toContain('drift alert recorded in out/drift.json (onAlert: record)');
    // The downstream gate (what the scheduled CI job runs) fails on the recorded alert.
    const gate = driftGate(workspace.path('pipelines/penguins/drift/out/drift.json'));
    expect(gate.status).toBe(1);
    expect(gate.output).toMatch(/Island: alert\n[\s\S]*never seen in training \("Anvers"/);
  });

  it('with onAlert "fail" the stage exits non-zero naming the drifted features, and keeps the report outside out/', () => {
    const stageFile = workspace.read('pipelines/penguins/drift/stage.json');
    workspace.write('pipelines/penguins/drift/stage.json', { ...JSON.parse(stageFile), onAlert: 'fail' });
    const run = workspace.nx(['run', 'penguins-drift:run', '--output-style=stream'], env);
    workspace.write('pipelines/penguins/drift/stage.json', stageFile);
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/penguins-batch\/out\/batch\.csv drifted from the training data: .*Island.*Body Mass \(g\)/);
    expect(run.output).toMatch(/drift alert — alert: Island \(PSI/);
    expect(JSON.parse(workspace.read('.reproml/runs/penguins-drift/drift.json')).verdict).toBe('alert');
  });

  it('locking the labelled new data into the training dataset retrains only the dependent stages, gates them and pushes a candidate v2', () => {
    const training = JSON.parse(workspace.read('pipelines/penguins/raw/penguins.json'));
    const labelled = JSON.parse(penguinsBatch([...SHIFT, '--labels', '--format', 'json']));
    workspace.write('pipelines/penguins/raw/penguins.json', `${JSON.stringify([...training, ...labelled], null, 2)}\n`);
    // The new values are legitimate: the data stage's schema is widened in the same reviewed commit.
    const dataStage = JSON.parse(workspace.read('pipelines/penguins/data/stage.json'));
    dataStage.schema.columns.Island.allowed.push('Anvers');
    dataStage.schema.columns['Body Mass (g)'].max = 9000;
    workspace.write('pipelines/penguins/data/stage.json', dataStage);
    const lock = workspace.nxOk(['run', 'penguins-data:lock', '--message', 'Add the labelled June batch; Anvers is a real island']);
    expect(lock).toMatch(/penguins\s+pipelines\/penguins\/raw\/penguins\.json/);
    expect(lock).toContain('pipelines/penguins/data/CHANGELOG.md: appended the entry');
    workspace.commitAll('Data: add the labelled June batch; Anvers is a real island');

    const run = affected();
    expect(run.status, run.output).toBe(0);
    const outcome = taskOutcomes(run.output);
    expect(outcome.executed).toEqual(
      expect.arrayContaining([
        'penguins-data:run',
        'penguins-preprocess:run',
        'penguins-train:run',
        'penguins-evaluate:run',
        'penguins-push:run',
        'penguins-drift:run',
      ]),
    );
    // The batch is not affected by the training data: a cache hit (the drift stage needs its output), never rerun.
    expect(outcome.executed).not.toContain('penguins-batch:run');
    expect(outcome.cached).toEqual(['penguins-batch:run']);
    const metrics = JSON.parse(workspace.read('pipelines/penguins/evaluate/out/metrics.json'));
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(run.output).toMatch(/pushed penguins v2/);
    const features = JSON.parse(workspace.read('pipelines/penguins/preprocess/out/features.json'));
    expect(features.featureNames).toContain('Island=Anvers');
    // The model card quotes the reviewed data change between v1 and v2.
    const card = workspace.read('pipelines/penguins/push/out/README.md');
    // A workspace file is no Hub dataset id: model-index names the data without a `type` the Hub would link.
    const frontMatter = card.split('\n---\n')[0]!;
    expect(frontMatter).toMatch(/dataset:\n\s+name: "penguins\/penguins"\n/);
    expect(frontMatter).not.toMatch(/type: "?pipelines\//);
    const changes = card.slice(card.indexOf('## Data changes since version 1'));
    expect(changes).toMatch(/### penguins-data\n\n- \d{4}-\d\d-\d\d · lock `[0-9a-f]{12}` · .+: Add the labelled June batch; Anvers is a real island/);
    expect(changes).toMatch(/penguins: 344 → \d+ rows; .*'Island' gained category Anvers/);
    expect(changes.split('\n## ')[0]).not.toContain('Palmer penguins (vega-datasets)');
    // So does the report: each changelog entry tagged with the versions trained on its data.
    expect(reproml(workspace, ['report', 'penguins']).status).toBe(0);
    const report = workspace.read('.reproml/report/penguins.html');
    const section = report.slice(report.indexOf('<section id="data-changes">'));
    expect(section).toMatch(/Add the labelled June batch; Anvers is a real island<ul>.*<\/ul><\/td><td>penguins v2<\/td>/);
    expect(section).toMatch(/Palmer penguins \(vega-datasets\).*<\/td><td>penguins v1<\/td>/);
  });

  it('promoting the candidate to production needs an approval record; then production is v2', () => {
    const models = (args: string[]) => reproml(workspace, ['models', ...args]);
    const refused = models(['promote', 'penguins', '2', 'production']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('no approval record');
    const promoted = models(['promote', 'penguins', '2', 'production', '--approved-by', 'alice', '--reason', 'retrained on the June batch (drift alert)']);
    expect(promoted.status, promoted.stderr).toBe(0);
    expect(JSON.parse(models(['show', 'penguins', '--json']).stdout).aliases).toEqual({ production: 2 });
  });
});
