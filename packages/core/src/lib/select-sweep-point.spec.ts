import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { recordingStageContext } from '../testing/recording-stage-context';
import { type SweepPointOutput, selectSweepPoint } from './select-sweep-point';
import type { StageSweepSpec } from './stage-kind';
import { defineStageOutput } from './stage-output';
import { sweepPoint } from './sweep-points';

const scoresOutput = defineStageOutput({ file: 'scores.json', description: 'a point score', schema: z.object({ loss: z.number() }).strict() });
const spec: StageSweepSpec = {
  metrics: { loss: 'min' },
  scoreFiles: [scoresOutput],
  scores: (documents) => ({ loss: (documents['scores.json'] as z.infer<typeof scoresOutput.schema>).loss }),
  artifacts: ['model.bin'],
};

describe('selectSweepPoint', () => {
  let root: string;
  const context = () => recordingStageContext({ root, stage: { name: 'p-train', pipeline: 'p', kind: 'train', file: 'pipelines/p/train/stage.json' } });
  function point(values: Record<string, unknown>, score: unknown): SweepPointOutput {
    const swept = sweepPoint(values);
    const outDir = join(root, 'points', swept.id, 'out');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'scores.json'), JSON.stringify(score));
    writeFileSync(join(outDir, 'model.bin'), `model of ${swept.id}`);
    return { point: swept, project: `p-train--${swept.id}`, outDir };
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'reproml-select-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('picks the lowest loss, breaks a tie by canonical point order whatever the input order, and copies the winner', async () => {
    const points = [point({ lr: 0.3 }, { loss: 0.2 }), point({ lr: 0.1 }, { loss: 0.2 }), point({ lr: 0.2 }, { loss: 0.5 })];
    const first = await selectSweepPoint({ context: context(), select: { metric: 'loss' }, spec, points });
    const again = await selectSweepPoint({ context: context(), select: { metric: 'loss' }, spec, points: [...points].reverse() });
    expect(first.winner).toBe(sweepPoint({ lr: 0.1 }).id);
    expect(again.winner).toBe(first.winner);
    expect(readFileSync(join(root, 'out', 'model.bin'), 'utf8')).toBe(`model of ${first.winner}`);
    expect(first.points.map((entry) => entry.rank).sort()).toEqual([1, 2, 3]);
  });

  it("reads each point's score file through its contract: a document that breaks it names the point's file and field", async () => {
    const points = [point({ lr: 0.1 }, { loss: 0.2 }), point({ lr: 0.2 }, { loss: '0.1' })];
    await expect(selectSweepPoint({ context: context(), select: { metric: 'loss' }, spec, points })).rejects.toMatchObject({
      file: `p-train--${sweepPoint({ lr: 0.2 }).id}/out/scores.json`,
      message: expect.stringContaining('loss'),
    });
  });
});
