import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, SeededRandom } from '@reproml/core';
import { type RecordingStageContext, recordingStageContext } from '@reproml/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFeaturesFixture, writeTransformFixture } from '../testing/transform-fixture';
import { driftStageConfigSchema } from './drift-stage-config';
import { runDrift } from './run-drift';

function csv(header: string[], rows: (string | number)[][]): string {
  return `${[header.join(','), ...rows.map((row) => row.join(','))].join('\n')}\n`;
}

describe('runDrift', () => {
  let root: string;
  const features = () => ({ dir: join(root, 'pre'), stage: 'p-preprocess' });
  const batch = () => ({ dir: join(root, 'batch'), stage: 'p-batch' });

  let current: RecordingStageContext;
  function context(): RecordingStageContext {
    current = recordingStageContext({ root, stage: { name: 'p-drift', pipeline: 'p', kind: 'drift', file: 'pipelines/p/drift/stage.json' } });
    return current;
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'reproml-drift-'));
    mkdirSync(join(root, 'pre'));
    mkdirSync(join(root, 'batch'));
    const rawInputs = [
      { name: 'mass', kind: 'number', onnxName: 'mass' },
      { name: 'sex', kind: 'string', onnxName: 'sex' },
    ] as const;
    writeFeaturesFixture({ dir: join(root, 'pre'), target: 'y', classes: ['a', 'b'], featureNames: ['mass', 'sex=F', 'sex=M'], rawInputs, trainRows: 200 });
    writeTransformFixture({
      dir: join(root, 'pre'),
      task: 'classification',
      target: 'y',
      rawInputs,
      featureNames: ['mass', 'sex=F', 'sex=M'],
      missingValues: { sex: ['.'] },
    });
    const rng = new SeededRandom(9);
    const rows = Array.from({ length: 200 }, (_, row) => [Math.round(4000 + 400 * rng.nextGaussian()), row % 2 ? 'F' : 'M', 'a']);
    writeFileSync(join(root, 'pre', 'train.raw.csv'), csv(['mass', 'sex', 'y'], rows));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const config = (extra: Record<string, unknown> = {}) =>
    driftStageConfigSchema.parse({ kind: 'drift', inputs: { batch: 'batch', features: 'preprocess' }, ...extra });

  it('reads the batch with the training missing markers: "." is a null, not an unseen category', async () => {
    const rng = new SeededRandom(10);
    const rows = Array.from({ length: 100 }, (_, row) => [Math.round(4000 + 400 * rng.nextGaussian()), row % 25 === 0 ? '.' : row % 2 ? 'F' : 'M']);
    writeFileSync(join(root, 'batch', 'batch.csv'), csv(['mass', 'sex'], rows));
    const report = await runDrift({ context: context(), config: config({ onAlert: 'record' }), batch: batch(), features: features() });
    const sex = report.features.find((feature) => feature.name === 'sex')!;
    expect(sex.unseen!.share).toBe(0);
    expect(sex.nulls.batch).toBe(0.04);
    expect(report.verdict).toBe('ok');
    expect(JSON.parse(readFileSync(join(root, 'out', 'drift.json'), 'utf8')).verdict).toBe('ok');
  });

  it('onAlert "fail" throws naming the features and saves the report under .reproml/runs; "record" writes it to out/', async () => {
    const rows = Array.from({ length: 100 }, (_, row) => [5000 + row * 10, row % 2 ? 'F' : 'X']);
    writeFileSync(join(root, 'batch', 'batch.csv'), csv(['mass', 'sex'], rows));
    await expect(runDrift({ context: context(), config: config(), batch: batch(), features: features() })).rejects.toThrow(
      /p-batch\/out\/batch\.csv drifted from the training data: mass, sex/,
    );
    expect(JSON.parse(readFileSync(join(root, '.reproml', 'runs', 'p-drift', 'drift.json'), 'utf8')).alerts).toEqual(['mass', 'sex']);
    expect(existsSync(join(root, 'out', 'drift.json'))).toBe(false);

    const recorded = await runDrift({ context: context(), config: config({ onAlert: 'record' }), batch: batch(), features: features() });
    expect(recorded.verdict).toBe('alert');
    expect(current.warnings.some((line) => line.startsWith('drift alert recorded'))).toBe(true);
    expect(existsSync(join(root, 'out', 'drift.json'))).toBe(true);
  });

  it('a batch without a feature column fails with the stage file and a close match', async () => {
    writeFileSync(join(root, 'batch', 'batch.csv'), csv(['Mass', 'sex'], [[4000, 'F']]));
    await expect(runDrift({ context: context(), config: config(), batch: batch(), features: features() })).rejects.toMatchObject({
      message: expect.stringMatching(/p-batch\/out\/batch\.csv has no column 'mass' \(did you mean 'Mass'\?\)/),
      file: 'pipelines/p/drift/stage.json',
      field: 'columns',
    });
  });

  it('a transform.json that breaks the preprocess contract fails naming the drift stage, the file and the field, before reading any data', async () => {
    writeFileSync(join(root, 'batch', 'batch.csv'), csv(['mass', 'sex'], [[4000, 'F']]));
    const transform = JSON.parse(readFileSync(join(root, 'pre', 'transform.json'), 'utf8'));
    transform.columns[1].missingValues = '.';
    writeFileSync(join(root, 'pre', 'transform.json'), JSON.stringify(transform));
    const error = await runDrift({ context: context(), config: config(), batch: batch(), features: features() }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ stage: 'p-drift', file: 'p-preprocess/out/transform.json', field: 'columns.1.missingValues' });
  });
});
