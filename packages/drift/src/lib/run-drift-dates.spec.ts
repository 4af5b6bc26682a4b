import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '@reproml/core';
import { type RecordingStageContext, recordingStageContext } from '@reproml/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFeaturesFixture, writeTransformFixture } from '../testing/transform-fixture';
import { driftStageConfigSchema } from './drift-stage-config';
import { runDrift } from './run-drift';

/** 2012-01-01 plus `offset` days, as ISO text (the reference spans 2012–2014, like seattle-weather). */
function isoDay(offset: number, hour?: number): string {
  const date = new Date(Date.UTC(2012, 0, 1 + offset, hour ?? 0));
  return hour === undefined ? date.toISOString().slice(0, 10) : date.toISOString().slice(0, 19);
}

describe('runDrift on a date column (transform.json kind "date")', () => {
  let root: string;
  const rawInputs = [
    { name: 'date', kind: 'string', onnxName: 'date' },
    { name: 'temp', kind: 'number', onnxName: 'temp' },
  ] as const;

  let current: RecordingStageContext;
  function context(): RecordingStageContext {
    current = recordingStageContext({ root, stage: { name: 'w-drift', pipeline: 'w', kind: 'drift', file: 'pipelines/w/drift/stage.json' } });
    return current;
  }

  function writeBatch(dates: string[]): void {
    const rng = new SeededRandom(3);
    writeFileSync(join(root, 'batch', 'batch.csv'), `date,temp\n${dates.map((date) => `${date},${(12 + 5 * rng.nextGaussian()).toFixed(1)}`).join('\n')}\n`);
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'reproml-drift-dates-'));
    mkdirSync(join(root, 'pre'));
    mkdirSync(join(root, 'batch'));
    writeFeaturesFixture({
      dir: join(root, 'pre'),
      target: 'weather',
      classes: ['rain', 'sun'],
      featureNames: ['date.daysSinceEpoch', 'temp'],
      rawInputs,
      trainRows: 548,
    });
    writeTransformFixture({
      dir: join(root, 'pre'),
      task: 'classification',
      target: 'weather',
      rawInputs,
      featureNames: ['date.daysSinceEpoch', 'temp'],
      dates: { date: null },
    });
    // Every other day of 2012–2014: the batches below hold days the reference never saw.
    const rng = new SeededRandom(2);
    const rows = Array.from({ length: 548 }, (_, row) => `${isoDay(2 * row)},${(12 + 5 * rng.nextGaussian()).toFixed(1)},${row % 3 ? 'rain' : 'sun'}`);
    writeFileSync(join(root, 'pre', 'train.raw.csv'), `date,temp,weather\n${rows.join('\n')}\n`);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const config = () => driftStageConfigSchema.parse({ kind: 'drift', inputs: { batch: 'batch', features: 'preprocess' }, onAlert: 'record' });

  it('compares dates as time (KS on days since 1970), so new days from the same period are no drift, not unseen categories', async () => {
    writeBatch(Array.from({ length: 300 }, (_, row) => isoDay(2 * ((row * 7) % 548) + 1, row % 2 ? 13 : undefined)));
    const report = await runDrift({
      context: context(),
      config: config(),
      batch: { dir: join(root, 'batch'), stage: 'w-batch' },
      features: { dir: join(root, 'pre'), stage: 'w-preprocess' },
    });
    const date = report.features.find((feature) => feature.name === 'date')!;
    expect(date.kind).toBe('number');
    expect(date.test).toBe('kolmogorov-smirnov');
    expect(date.unseen).toBeFalsy();
    expect(date.verdict).toBe('ok');
    expect(report.verdict).toBe('ok');
    expect(current.warnings).toEqual([]);
  });

  it('alerts when the batch comes from a later period', async () => {
    writeBatch(Array.from({ length: 200 }, (_, row) => isoDay(1461 + row)));
    const report = await runDrift({
      context: context(),
      config: config(),
      batch: { dir: join(root, 'batch'), stage: 'w-batch' },
      features: { dir: join(root, 'pre'), stage: 'w-preprocess' },
    });
    expect(report.alerts).toEqual(['date']);
  });

  it('counts a value that is not a date as missing and says so', async () => {
    writeBatch([...Array.from({ length: 99 }, (_, row) => isoDay(2 * ((row * 11) % 548) + 1)), '31/12/2013']);
    const report = await runDrift({
      context: context(),
      config: config(),
      batch: { dir: join(root, 'batch'), stage: 'w-batch' },
      features: { dir: join(root, 'pre'), stage: 'w-preprocess' },
    });
    expect(report.features.find((feature) => feature.name === 'date')!.nulls.batch).toBe(0.01);
    expect(current.warnings).toEqual(["w-batch/out/batch.csv: 1 value(s) of date column 'date' are not dates in its format: compared as missing"]);
  });
});
