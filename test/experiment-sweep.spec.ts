import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reproml } from './support/reproml-cli';
import { TempWorkspace, taskOutcomes } from './support/temp-workspace';

const SWEEP_STAGE = 'pipelines/penguins/train-sweep/stage.json';
const SWEEP = 'penguins-train-sweep';
const RUN_EVALUATE = ['run', 'penguins-evaluate-sweep:run', '--output-style=stream', '--parallel=2'];

/** A 12-point seeded random search over two gbdt settings (small models: 30 rounds at most). */
function sweepStage(points: number, spaceOrder: 'depth-first' | 'rate-first' = 'depth-first') {
  const depth = { 'model.maxDepth': { min: 1, max: 4, integer: true } };
  const rate = { 'model.learningRate': { min: 0.03, max: 0.5, scale: 'log' } };
  return {
    kind: 'train',
    description: 'gbdt sweep: depth and learning rate, selected by validation loss',
    inputs: { features: 'preprocess' },
    seed: 7,
    model: { family: 'gbdt', nTrees: 30, maxDepth: 3, learningRate: 0.1, earlyStopping: { patience: 5 } },
    sweep: {
      random: { points, seed: 3, space: spaceOrder === 'depth-first' ? { ...depth, ...rate } : { ...rate, ...depth } },
      select: { metric: 'validationLoss' },
    },
  };
}

describe('hyper-parameter sweeps (real nx CLI, penguins)', () => {
  let workspace: TempWorkspace;
  let env: Record<string, string>;

  beforeAll(() => {
    workspace = TempWorkspace.create({ label: 'sweep', pipelines: ['penguins'] });
    env = { REPROML_TRACKING_DB: `${workspace.root}.runs.sqlite` };
    workspace.write(SWEEP_STAGE, sweepStage(12));
    workspace.write('pipelines/penguins/evaluate-sweep/stage.json', {
      kind: 'evaluate',
      description: 'The selected point on the held-out test split',
      inputs: { model: 'train-sweep', features: 'preprocess' },
    });
    workspace.commitAll('sweep stage');
  });
  afterAll(() => {
    workspace?.remove();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${env?.REPROML_TRACKING_DB}${suffix}`, { force: true });
  });

  it('expands a sweep into one cached project per point, selects the best point and passes one model downstream', () => {
    const projects: string[] = JSON.parse(workspace.nxOk(['show', 'projects', '--projects', `tag:sweep:${SWEEP}`, '--json']));
    const points = projects.filter((name) => name.startsWith(`${SWEEP}--`));
    expect(points).toHaveLength(12);
    expect(projects).toContain(SWEEP);

    const first = taskOutcomes(workspace.nxOk(RUN_EVALUATE, env));
    expect(first.executed.filter((task) => task.startsWith(`${SWEEP}--`))).toHaveLength(12);
    expect(first.executed).toContain(`${SWEEP}:run`);
    expect(first.executed).toContain('penguins-evaluate-sweep:run');

    const result = JSON.parse(workspace.read('pipelines/penguins/train-sweep/out/sweep.json'));
    expect(result.points).toHaveLength(12);
    expect(result.parameters).toEqual(['model.learningRate', 'model.maxDepth']);
    // The winner has the lowest validation loss; ranks follow the losses.
    const byRank = [...result.points].sort((a, b) => a.rank - b.rank);
    for (let i = 1; i < byRank.length; i++) expect(byRank[i].scores.validationLoss).toBeGreaterThanOrEqual(byRank[i - 1].scores.validationLoss);
    expect(byRank[0].id).toBe(result.winner);
    // Downstream sees exactly the winner's model.
    const winnerModel = readFileSync(workspace.path(`pipelines/penguins/train-sweep/points/${result.winner}/out/model.onnx`));
    expect(readFileSync(workspace.path('pipelines/penguins/train-sweep/out/model.onnx')).equals(winnerModel)).toBe(true);
    const metrics = JSON.parse(workspace.read('pipelines/penguins/evaluate-sweep/out/metrics.json'));
    expect(metrics.accuracy).toBeGreaterThan(0.8);

    // Nothing changed: every point, the selection and evaluate come from the cache.
    expect(taskOutcomes(workspace.nxOk(RUN_EVALUATE, env)).executed).toEqual([]);

    // Each point has its own run record; `runs compare --sweep` lines them up best first, the winner marked.
    const compared = reproml(workspace, ['runs', 'compare', '--sweep', SWEEP, '--json'], env);
    expect(compared.stderr).toBe('');
    const comparison = JSON.parse(compared.stdout);
    expect(comparison.sweep.winner).toBe(result.winner);
    expect(comparison.runs).toHaveLength(12);
    expect(comparison.runs[0].project).toBe(`${SWEEP}--${result.winner}`);
    expect(comparison.params.find((param: { key: string }) => param.key === 'model.maxDepth').differs).toBe(true);
    const text = reproml(workspace, ['runs', 'compare', '--sweep', SWEEP], env).stdout;
    expect(text).toContain(`★ = selected point ${result.winner}`);

    // The report: the points ranked in a table, the winner highlighted, a chart per swept setting.
    expect(reproml(workspace, ['report', 'penguins', '--out', 'report.html'], env).status).toBe(0);
    const report = workspace.read('report.html');
    expect(report).toContain(`<tr class="point winner" data-point="${result.winner}">`);
    expect(report).toContain('validationLoss vs model.learningRate');
    expect(report).toContain('validationLoss vs model.maxDepth');
  });

  it('pushes the selected model with its lineage back to the data through the winning point', () => {
    const { winner } = JSON.parse(workspace.read('pipelines/penguins/train-sweep/out/sweep.json'));
    workspace.write('pipelines/penguins/push-sweep/stage.json', {
      kind: 'push',
      inputs: { model: 'train-sweep', metrics: 'evaluate-sweep' },
      target: 'registry',
      model: 'penguins-sweep',
    });
    workspace.commitAll('push the selected point');
    const output = workspace.nxOk(['run', 'penguins-push-sweep:run', '--output-style=stream'], { ...env, REPROML_REGISTRY_DIR: '' });
    expect(output).toMatch(/pushed penguins-sweep v1/);
    const lineage = reproml(workspace, ['lineage', 'penguins-sweep@1', '--json'], { ...env, REPROML_REGISTRY_DIR: '' });
    expect(lineage.stderr).toBe('');
    expect(lineage.status).toBe(0);
    const chain = JSON.parse(lineage.stdout);
    expect(chain.root.location.project).toBe(SWEEP);
    const point = chain.root.inputs.find(
      (input: { upstream?: { location: { project: string } } }) => input.upstream?.location.project === `${SWEEP}--${winner}`,
    );
    expect(point).toBeDefined();
    const preprocess = point.upstream.inputs.find((input: { upstream?: unknown }) => input.upstream).upstream;
    const data = preprocess.inputs.find((input: { upstream?: unknown }) => input.upstream).upstream;
    expect(data.location.project).toBe('penguins-data');
  });

  it('reordering the sweep reruns only the selection, which selects the same point', () => {
    const before = workspace.read('pipelines/penguins/train-sweep/out/sweep.json');
    workspace.write(SWEEP_STAGE, sweepStage(12, 'rate-first'));
    const outcome = taskOutcomes(workspace.nxOk(RUN_EVALUATE, env));
    expect(outcome.executed).toEqual([`${SWEEP}:run`]);
    expect(workspace.read('pipelines/penguins/train-sweep/out/sweep.json')).toBe(before);
    // Same winner, same bytes: evaluate stays cached (early cutoff).
    expect(outcome.cached).toContain('penguins-evaluate-sweep:run');
  });

  it('adding a point runs only that point and the selection', () => {
    const before = JSON.parse(workspace.read('pipelines/penguins/train-sweep/out/sweep.json'));
    workspace.write(SWEEP_STAGE, sweepStage(13));
    const outcome = taskOutcomes(workspace.nxOk(RUN_EVALUATE, env));
    const after = JSON.parse(workspace.read('pipelines/penguins/train-sweep/out/sweep.json'));
    const added = after.points.map((point: { id: string }) => point.id).filter((id: string) => !before.points.some((old: { id: string }) => old.id === id));
    expect(added).toHaveLength(1);
    const executedPoints = outcome.executed.filter((task) => task.startsWith(`${SWEEP}--`));
    expect(executedPoints).toEqual([`${SWEEP}--${added[0]}:run`]);
    expect(outcome.executed).toContain(`${SWEEP}:run`);
    expect(outcome.cached.filter((task) => task.startsWith(`${SWEEP}--`))).toHaveLength(12);
  });

  it('a swept key that is not a train setting fails the graph, naming the file and the sweep field', () => {
    const stage = sweepStage(12);
    workspace.write(SWEEP_STAGE, { ...stage, sweep: { grid: { 'model.depth': [2, 3] }, select: { metric: 'validationLoss' } } });
    const result = workspace.nx(['run', `${SWEEP}:run`]);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('field sweep.grid.model.depth');
    expect(result.output).toContain(SWEEP_STAGE);
    workspace.write(SWEEP_STAGE, stage);
  });

  it('cross-validates each point in cached per-fold tasks and selects by the cross-validated mean', () => {
    workspace.write('pipelines/penguins/train-cv/stage.json', {
      kind: 'train',
      inputs: { features: 'preprocess' },
      seed: 7,
      model: { family: 'gbdt', nTrees: 20, learningRate: 0.2, earlyStopping: { patience: 5 } },
      crossValidation: { folds: 3, seed: 11 },
      sweep: { grid: { 'model.maxDepth': [1, 3] }, select: { metric: 'cv.validationLoss' } },
    });
    const run = ['run', 'penguins-train-cv:run', '--output-style=stream', '--parallel=2'];
    const outcome = taskOutcomes(workspace.nxOk(run, env));
    const folds = outcome.executed.filter((task) => /--fold-\d:run$/.test(task));
    expect(folds).toHaveLength(6);

    const result = JSON.parse(workspace.read('pipelines/penguins/train-cv/out/sweep.json'));
    expect(result.metric).toBe('cv.validationLoss');
    for (const point of result.points) {
      const cv = JSON.parse(workspace.read(`pipelines/penguins/train-cv/points/${point.id}/out/cv.json`));
      // The figures from the folds' own curves, by hand: best-epoch validation loss of each fold, mean and sample sd.
      const losses = [1, 2, 3].map((fold) => {
        const curve = JSON.parse(workspace.read(`pipelines/penguins/train-cv/points/${point.id}/folds/${fold}/out/training-curve.json`));
        return curve.epochs[curve.bestEpoch - 1].validationLoss;
      });
      const mean = (losses[0] + losses[1] + losses[2]) / 3;
      const sd = Math.sqrt(losses.reduce((sum: number, loss: number) => sum + (loss - mean) ** 2, 0) / 2);
      expect(cv.metrics.validationLoss.folds).toEqual(losses);
      expect(cv.metrics.validationLoss.mean).toBeCloseTo(mean, 12);
      expect(cv.metrics.validationLoss.sd).toBeCloseTo(sd, 12);
      expect(point.scores['cv.validationLoss']).toBe(cv.metrics.validationLoss.mean);
    }
    const winner = result.points.find((point: { id: string }) => point.id === result.winner);
    expect(Math.min(...result.points.map((point: { scores: Record<string, number> }) => point.scores['cv.validationLoss']))).toBe(
      winner.scores['cv.validationLoss'],
    );
    expect(taskOutcomes(workspace.nxOk(run, env)).executed).toEqual([]);
  });
});
