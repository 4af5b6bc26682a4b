import { SeededRandom, type Table } from '@reproml/core';
import { describe, expect, it } from 'vitest';
import { checkTableDrift } from './check-table-drift';
import type { DriftReport } from './drift-report';
import { driftStageConfigSchema } from './drift-stage-config';
import { renderDriftSection } from './render-drift-section';

function sample(rng: SeededRandom, rows: number, shift: number, island: string): Table {
  return {
    rowCount: rows,
    columns: [
      { name: 'mass <g>', kind: 'number', values: Float64Array.from({ length: rows }, () => 4000 + shift + 500 * rng.nextGaussian()) },
      { name: 'island', kind: 'string', values: Array.from({ length: rows }, (_, row) => (row % 4 === 0 ? island : 'Dream')) },
      { name: 'beak', kind: 'number', values: Float64Array.from({ length: rows }, () => 40 + rng.nextGaussian()) },
    ],
  };
}

describe('renderDriftSection', () => {
  const config = driftStageConfigSchema.parse({ kind: 'drift', inputs: { batch: 'batch', features: 'preprocess' } });
  const rng = new SeededRandom(3);
  const checks = checkTableDrift({
    reference: sample(rng, 300, 0, 'Biscoe'),
    batch: sample(rng, 200, 1500, '<script>'),
    columns: ['mass <g>', 'island', 'beak'],
    config,
  });
  const report: DriftReport = {
    schemaVersion: 1,
    ...checks,
    reference: { stage: 'p-preprocess', file: 'p-preprocess/out/train.raw.csv', rows: 300 },
    batch: { stage: 'p-batch', file: 'p-batch/out/batch.csv', rows: 200 },
  };

  it('has a row per feature and a training-vs-batch chart for each drifted feature only', () => {
    const html = renderDriftSection(report);
    expect(html).toMatch(/^<section class="drift" id="drift">/);
    expect(html).toContain('Data drift: <span class="drift-alert">alert</span>');
    expect(html.match(/<tr class="drift-/g)).toHaveLength(3);
    expect(html.match(/<figure>/g)).toHaveLength(2); // mass and island drifted; beak did not
    expect(html).toContain('&lt;script&gt; (new)');
  });

  it('escapes every name and value taken from the data', () => {
    const html = renderDriftSection(report);
    expect(html).not.toContain('<script>');
    expect(html).toContain('mass &lt;g&gt;');
  });
});
