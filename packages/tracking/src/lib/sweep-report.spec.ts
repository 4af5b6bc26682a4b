import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderReport } from './render-report';
import { collectReportData } from './report-data';
import { RunStore } from './run-store';
import { recordedSweep } from './sweep-runs';
import { testRun } from './test-run';

/** A recorded 3-point sweep over maxDepth: the points' runs, then the selection's run with its sweep.json. */
async function recordSweep(store: RunStore): Promise<void> {
  const points = [
    { id: 'aaaaaaaaaa', depth: 2, loss: 0.3, rank: 2 },
    { id: 'bbbbbbbbbb', depth: 3, loss: 0.1, rank: 1 },
    { id: 'cccccccccc', depth: 4, loss: 0.3, rank: 3 },
  ];
  for (const point of points) {
    await store.record(
      testRun({
        stage: 'train-sweep',
        project: `penguins-train-sweep--${point.id}`,
        params: { kind: 'train', model: { family: 'gbdt', maxDepth: point.depth } },
        metrics: { validationLoss: point.loss },
        startedAt: `2026-01-01T00:00:0${point.rank}.000Z`,
      }),
    );
  }
  await store.record(
    testRun({
      stage: 'train-sweep',
      project: 'penguins-train-sweep',
      startedAt: '2026-01-01T00:01:00.000Z',
      documents: {
        'sweep.json': {
          schemaVersion: 1,
          metric: 'validationLoss',
          goal: 'min',
          tieBreak: 'canonical point order',
          parameters: ['model.maxDepth'],
          winner: 'bbbbbbbbbb',
          points: points.map((point) => ({
            id: point.id,
            project: `penguins-train-sweep--${point.id}`,
            values: { 'model.maxDepth': point.depth },
            scores: { validationLoss: point.loss },
            rank: point.rank,
          })),
        },
      },
    }),
  );
}

describe('sweeps in the run store', () => {
  let dir: string;
  let store: RunStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reproml-sweep-report-'));
    store = await RunStore.open({ path: join(dir, 'runs.sqlite') });
    await recordSweep(store);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("finds a sweep's selection and each point's latest run, best first", async () => {
    const sweep = await recordedSweep(store, 'penguins-train-sweep');
    expect(sweep?.result.winner).toBe('bbbbbbbbbb');
    expect(sweep?.points.map(({ point, run }) => [point.rank, run.project])).toEqual([
      [1, 'penguins-train-sweep--bbbbbbbbbb'],
      [2, 'penguins-train-sweep--aaaaaaaaaa'],
      [3, 'penguins-train-sweep--cccccccccc'],
    ]);
    expect(await recordedSweep(store, 'penguins-train-sweep--aaaaaaaaaa')).toBeUndefined();
  });

  it('shows the points ranked in a table with the winner highlighted, and the metric against each swept setting', async () => {
    const html = renderReport(await collectReportData({ store, pipeline: 'penguins' }));
    const section = /<section id="sweeps">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    expect(section).toContain('penguins-train-sweep');
    const rows = [...section.matchAll(/<tr class="point( winner)?" data-point="(\w+)">/g)].map((match) => [match[2], Boolean(match[1])]);
    expect(rows).toEqual([
      ['bbbbbbbbbb', true],
      ['aaaaaaaaaa', false],
      ['cccccccccc', false],
    ]);
    expect(section).toContain('<th>model.maxDepth</th>');
    expect(section).toMatch(/<svg[^>]*role="img"[\s\S]*validationLoss vs model\.maxDepth/);
    // Three markers: two points and the selected one, no line between them.
    const chart = /<svg[\s\S]*?<\/svg>/.exec(section)?.[0] ?? '';
    expect(chart.match(/<circle /g)).toHaveLength(3);
    expect(chart).not.toContain('class="series"');
    expect(chart).toContain('selected ★');
  });
});
