import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@reproml/core';
import type { FeatureImportanceEntry, MetricsDocument, modelInfoSchema } from '@reproml/onnx/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { renderReport } from './render-report';
import { collectReportData } from './report-data';
import { RunStore } from './run-store';
import { ticks } from './svg-charts';
import { testRun } from './test-run';

/** metrics.json as an evaluate stage writes it (the `metricsOutput` contract). */
const metricsDocument: MetricsDocument = {
  schemaVersion: 1,
  split: 'test',
  thresholds: {},
  task: 'classification',
  rows: 10,
  accuracy: 0.9,
  precision: 0.9,
  recall: 0.92,
  f1: 0.9,
  rocAuc: 0.95,
  logLoss: 0.3,
  confusionMatrix: [
    [5, 1],
    [0, 4],
  ],
  perClass: [
    { class: 'a<b', precision: 1, recall: 0.83, f1: 0.91, support: 6 },
    { class: 'c', precision: 0.8, recall: 1, f1: 0.89, support: 4 },
  ],
};

/** model.json of a gbdt train stage (the `modelInfoOutput` contract). */
function gbdtModelInfo(featureImportance: FeatureImportanceEntry[]): z.input<typeof modelInfoSchema> {
  return {
    schemaVersion: 1,
    family: 'gbdt',
    model: { family: 'gbdt', nTrees: 50, learningRate: 0.1, maxDepth: 3 },
    seed: 42,
    task: 'classification',
    target: 'species',
    classes: ['a', 'b'],
    featureNames: featureImportance.map((entry) => entry.feature),
    rawInputs: [{ name: 'x', kind: 'number', onnxName: 'x' }],
    outputs: { label: 'int64 [N] class id', probabilities: 'float [N, C]' },
    ensemble: { objective: 'binary', outputs: 1, trees: 40, leaves: 160, baseMargins: [0] },
    featureImportance,
    bestRound: 2,
    roundsRun: 3,
  };
}

describe('renderReport', () => {
  let dir: string;
  let store: RunStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reproml-report-'));
    store = await RunStore.open({ path: join(dir, 'runs.sqlite') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const curve = (losses: number[]) => ({
    schemaVersion: 1,
    stoppedEarly: false,
    validationMetric: 'accuracy',
    bestEpoch: 2,
    epochs: losses.map((loss, i) => ({ epoch: i + 1, trainLoss: loss, validationLoss: loss * 1.1, validationMetric: 0.9 })),
  });

  it('shows every run, the training curve of each, the confusion matrix, ROC/PR and the profile, and nothing external', async () => {
    const train = (learningRate: number, startedAt: string) =>
      store.record(
        testRun({
          params: { inputs: { features: 'preprocess' }, training: { optimizer: { learningRate } } },
          startedAt,
          documents: { 'training-curve.json': curve([1, 0.5, 0.2]) },
        }),
      );
    const first = await train(0.01, '2026-01-01T00:00:00Z');
    const second = await train(0.05, '2026-01-02T00:00:00Z');
    const roc = { fpr: [0, 0, 1], tpr: [0, 1, 1] };
    const pr = { recall: [0, 1, 1], precision: [1, 1, 0.5] };
    await store.record(
      testRun({
        stage: 'evaluate',
        project: 'penguins-evaluate',
        kind: 'evaluate',
        params: { inputs: { model: 'train' } },
        metrics: { accuracy: 0.9 },
        startedAt: '2026-01-03T00:00:00Z',
        documents: {
          'metrics.json': metricsDocument,
          'curves.json': {
            classes: [
              { class: 'a<b', roc, pr, averagePrecision: 1 },
              { class: 'c', roc, pr, averagePrecision: 1 },
            ],
          },
        },
      }),
    );
    await store.record(
      testRun({
        stage: 'data',
        project: 'penguins-data',
        kind: 'pull',
        params: {},
        startedAt: '2026-01-01T00:00:00Z',
        documents: {
          'profile.json': {
            files: {
              penguins: {
                columns: [
                  { name: 'x', kind: 'number', count: 3, histogram: { edges: [0, 1, 3], counts: [1, 2] } },
                  { name: 's', kind: 'string', count: 3, top: [{ value: 'u', count: 2 }] },
                ],
              },
            },
          },
        },
      }),
    );
    await store.annotate({ id: second, note: '<b>faster</b>' });
    const html = renderReport(await collectReportData({ store, pipeline: 'penguins', generatedAt: new Date('2026-02-01T00:00:00Z') }));

    expect(html.match(/<tr class="run /g)).toHaveLength(4);
    expect(html).toContain(`data-run-id="${first}"`);
    expect(html).toContain('training.optimizer.learningRate=0.05');
    expect(html).toContain('&lt;b&gt;faster&lt;/b&gt;');
    expect(html).toContain('a&lt;b');
    expect(html).toContain(`data-series="run ${first}: learningRate 0.01"`);
    expect(html).toContain(`Training curve: penguins-train run ${second}`);
    expect(html).toMatch(/Confusion matrix: run \d+/);
    expect(html).toMatch(/ROC curves \(one vs rest\)/);
    expect(html).toMatch(/Precision–recall curves/);
    expect(html).toMatch(/<section id="data">[\s\S]*<title[^>]*>x<\/title>[\s\S]*<title[^>]*>s<\/title>/);
    expect(html).toContain('<section id="drift">');
    expect(html.match(/class="node"/g)).toHaveLength(3);
    expect(html).not.toMatch(/<script|src="http|href="http|url\((?!#)/);
  });

  it("shows a tree model's curve by boosting round and its feature importance (gain bars, gain and split table)", async () => {
    const id = await store.record(
      testRun({
        stage: 'train-gbdt',
        project: 'penguins-train-gbdt',
        params: { inputs: { features: 'preprocess' }, model: { family: 'gbdt', nTrees: 50, learningRate: 0.1, maxDepth: 3 } },
        documents: {
          'training-curve.json': { ...curve([1, 0.5, 0.2]), unit: 'round' },
          'model.json': gbdtModelInfo([
            { feature: 'Beak Depth (mm)', gain: 10, splits: 4 },
            { feature: 'Flipper <Length>', gain: 30, splits: 7 },
            { feature: 'Island=Dream', gain: 0, splits: 0 },
          ]),
        },
      }),
    );
    const html = renderReport(await collectReportData({ store, pipeline: 'penguins' }));
    expect(html).toContain(`Feature importance (gain): penguins-train-gbdt run ${id}`);
    expect(html).toContain('best round 2');
    expect(html).toContain('nTrees 50, learningRate 0.1, maxDepth 3');
    // Ranked by gain: 30 (75%) before 10 (25%), every feature in the table with its split count.
    expect(html).toMatch(/Flipper &lt;Length&gt;: 75\.0%[\s\S]*Beak Depth \(mm\): 25\.0%/);
    expect(html).toMatch(
      /<td>Flipper &lt;Length&gt;<\/td><td class="num">30<\/td><td class="num">7<\/td>[\s\S]*<td>Island=Dream<\/td><td class="num">0<\/td><td class="num">0<\/td>/,
    );
  });

  it('refuses a kept metrics.json that breaks the evaluate contract, naming the run, the file and the field', async () => {
    await store.record(
      testRun({
        stage: 'evaluate',
        project: 'penguins-evaluate',
        kind: 'evaluate',
        documents: { 'metrics.json': { ...metricsDocument, accuracy: 'high' } },
      }),
    );
    const error = await collectReportData({ store, pipeline: 'penguins' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ stage: 'penguins-evaluate', file: 'penguins-evaluate run 1: metrics.json', field: 'accuracy' });
  });

  it('fills the drift section from the latest drift run, with the renderer the caller passes', async () => {
    await store.record(
      testRun({ stage: 'drift', project: 'penguins-drift', kind: 'drift', documents: { 'drift.json': { verdict: 'alert', summary: '2 features drifted' } } }),
    );
    const data = await collectReportData({ store, pipeline: 'penguins' });
    expect(renderReport(data)).toMatch(/<section id="drift">[\s\S]*<strong>alert<\/strong>: 2 features drifted/);
    const custom = renderReport(data, {
      renderDrift: (document) => `<section id="drift"><h2>Data drift</h2><p>${(document as { verdict: string }).verdict}!</p></section>`,
    });
    expect(custom).toMatch(/<h2>Data drift<\/h2><p class="intro">From penguins-drift run 1 [^<]*<\/p><p>alert!<\/p>/);
    expect(
      renderReport(data, {
        renderDrift: () => {
          throw new Error('unknown format');
        },
      }),
    ).toContain('could not be rendered: unknown format');
  });

  it('says so when a pipeline has no runs', async () => {
    const html = renderReport(await collectReportData({ store, pipeline: 'nothing' }));
    expect(html).toContain('No runs recorded');
  });
});

describe('ticks', () => {
  it('picks 1-2-5 steps inside the range', async () => {
    expect(ticks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks(3, 17, 6, true)).toEqual([5, 10, 15]);
    expect(ticks(0.5, 2.5, 4, true)).toEqual([1, 2]);
  });
});
