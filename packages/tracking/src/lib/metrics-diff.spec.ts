import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metricsDiff } from './metrics-diff';
import { RunStore } from './run-store';
import { testRun } from './test-run';

describe('metricsDiff', () => {
  let dir: string;
  let store: RunStore;
  const A = 'a'.repeat(40);
  const B = 'b'.repeat(40);
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reproml-metrics-diff-'));
    store = await RunStore.open({ path: join(dir, 'runs.sqlite') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('diffs the newest clean successful run per stage at each commit', async () => {
    const evaluate = { stage: 'evaluate', project: 'penguins-evaluate', kind: 'evaluate' };
    await store.record(testRun({ ...evaluate, gitCommit: A, metrics: { accuracy: 0.9, logLoss: 0.3 }, startedAt: '2026-01-01T00:00:00Z' }));
    await store.record(testRun({ ...evaluate, gitCommit: A, gitDirty: true, metrics: { accuracy: 0.1 }, startedAt: '2026-01-02T00:00:00Z' }));
    await store.record(testRun({ ...evaluate, gitCommit: B, metrics: { accuracy: 0.96, logLoss: 0.3 }, startedAt: '2026-01-03T00:00:00Z' }));
    await store.record(testRun({ ...evaluate, gitCommit: B, status: 'failed', metrics: {}, startedAt: '2026-01-04T00:00:00Z' }));
    await store.record(testRun({ gitCommit: B, metrics: { trainLoss: 0.2 }, startedAt: '2026-01-03T00:00:00Z' }));
    const diff = await metricsDiff({ store, commitA: A, commitB: B });
    expect(diff.deltas).toEqual([
      { project: 'penguins-evaluate', metric: 'accuracy', a: 0.9, b: 0.96, delta: expect.closeTo(0.06, 12) },
      { project: 'penguins-evaluate', metric: 'logLoss', a: 0.3, b: 0.3, delta: 0 },
      { project: 'penguins-train', metric: 'trainLoss', a: null, b: 0.2, delta: null },
    ]);
    expect((await metricsDiff({ store, commitA: A, commitB: B, changedOnly: true })).deltas.map((delta) => delta.metric)).toEqual(['accuracy', 'trainLoss']);
  });
});
