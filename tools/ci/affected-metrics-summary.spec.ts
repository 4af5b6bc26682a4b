import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { affectedMetricsSummary } from './affected-metrics-summary';

describe('affectedMetricsSummary (CI step summary)', () => {
  const root = mkdtempSync(join(tmpdir(), 'reproml-summary-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const stage = (path: string, out: Record<string, unknown>) => {
    mkdirSync(join(root, path, 'out'), { recursive: true });
    writeFileSync(join(root, path, 'stage.json'), '{}');
    for (const [file, content] of Object.entries(out)) writeFileSync(join(root, path, 'out', file), JSON.stringify(content));
  };
  stage('pipelines/penguins/evaluate', {
    'metrics.json': {
      accuracy: 0.97142857,
      confusionMatrix: [
        [1, 0],
        [0, 1],
      ],
      f1: 0.9655,
      split: 'test',
    },
    'lineage.json': { summary: { rows: 50 } },
  });
  stage('pipelines/penguins/train', { 'lineage.json': { summary: { epochs: 40, finalLoss: 0.0123456 } } });
  stage('pipelines/penguins/data', { 'lineage.json': { summary: { rows: 344 } } });
  mkdirSync(join(root, 'pipelines/penguins/failed'), { recursive: true });
  writeFileSync(join(root, 'pipelines/penguins/failed/stage.json'), '{}');

  it('lists the affected stages and shows model metrics first, scalars only, fixed format', () => {
    const markdown = affectedMetricsSummary({
      workspaceRoot: root,
      projects: ['penguins-train', 'penguins-evaluate', 'penguins-failed', '@reproml/core'],
      base: '0123456789abcdef0123',
    });
    expect(markdown).toBe(
      [
        '## ReproML: affected stages (base `0123456789ab`)',
        '',
        '| stage | result |',
        '| --- | --- |',
        '| `penguins-evaluate` | 3 values (metrics.json) |',
        '| `penguins-failed` | no output (failed or not run) |',
        '| `penguins-train` | 2 values (lineage summary) |',
        '',
        '### `penguins-evaluate`',
        '',
        '| metric | value |',
        '| --- | --- |',
        '| accuracy | 0.9714 |',
        '| f1 | 0.9655 |',
        '| split | test |',
        '',
        '### `penguins-train`',
        '',
        '| metric | value |',
        '| --- | --- |',
        '| epochs | 40 |',
        '| finalLoss | 0.0123 |',
        '',
        '',
      ].join('\n'),
    );
  });

  it('says so when no stage is affected', () => {
    expect(affectedMetricsSummary({ workspaceRoot: root, projects: ['@reproml/core'] })).toContain('nothing was retrained');
  });
});
