import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TempWorkspace, taskOutcomes, TempWorkspace as Workspace } from './support/temp-workspace';

/**
 * Column selectors and date features through the real nx CLI: a weather table with a date
 * column, a preprocess stage written with selectors only, a train stage. A column added to
 * the data is picked up by the selectors visibly (transform.json, lineage) and reruns the
 * downstream stages; model.onnx takes the date as text (a predict stage feeds it raw rows).
 */
const WEATHER = ['sun', 'rain', 'fog'];

function weatherCsv(withHumidity: boolean): string {
  const header = ['date', 'temp_max', 'temp_min', 'wind', 'station', ...(withHumidity ? ['humidity'] : []), 'weather'];
  const rows = Array.from({ length: 90 }, (_, i) => {
    const day = new Date(Date.UTC(2015, 0, 1) + i * 4 * 86_400_000).toISOString().slice(0, 10);
    const weather = WEATHER[i % 3]!;
    return [
      day,
      10 + (i % 7) + (weather === 'sun' ? 5 : 0),
      2 + (i % 5),
      i % 11 === 0 ? '' : (i % 9) + 0.5,
      i % 2 ? 'SEA' : 'TAC',
      ...(withHumidity ? [40 + (i % 13)] : []),
      weather,
    ].join(',');
  });
  return `${[header.join(','), ...rows].join('\n')}\n`;
}

/** Raw rows to predict: a leap day, a datetime before 1970, a missing wind. */
function newDays(withHumidity: boolean): string {
  const rows = [
    ['2016-02-29', 20, 5, 1.5, 'SEA', 50],
    ['1969-12-31T23:00:00', 8, 3, '', 'TAC', 60],
  ];
  const header = ['date', 'temp_max', 'temp_min', 'wind', 'station', ...(withHumidity ? ['humidity'] : [])];
  return `${[header, ...rows.map((row) => (withHumidity ? row : row.slice(0, 5)))].map((row) => row.join(',')).join('\n')}\n`;
}

function lock(content: string) {
  return {
    files: {
      weather: {
        format: 'csv',
        revision: null,
        sha256: createHash('sha256').update(content).digest('hex'),
        size: Buffer.byteLength(content),
        source: 'data/weather.csv',
      },
    },
    lockVersion: 1,
  };
}

describe('preprocess selectors and date features (real nx CLI)', () => {
  let workspace: TempWorkspace;
  const run = ['run-many', '-t', 'run', '--projects', 'tag:pipeline:weather', '--output-style=stream'];
  const transform = () => JSON.parse(workspace.read('pipelines/weather/preprocess/out/transform.json'));
  const resolved = (field: string) => (transform().resolvedColumns as { field: string; columns: string[] }[]).find((entry) => entry.field === field)?.columns;

  beforeAll(() => {
    workspace = Workspace.create({ label: 'selectors' });
    const csv = weatherCsv(false);
    workspace.write('data/weather.csv', csv);
    workspace.write('pipelines/weather/data/stage.json', { kind: 'pull', files: { weather: { source: 'data/weather.csv', format: 'csv' } } });
    workspace.write('pipelines/weather/data/stage.lock.json', lock(csv));
    workspace.write('pipelines/weather/preprocess/stage.json', {
      kind: 'preprocess',
      inputs: { dataset: 'data' },
      target: { column: 'weather' },
      dates: [{ columns: { type: 'date' }, features: ['month', 'dayOfWeek', 'dayOfYear'] }],
      impute: [{ columns: { type: 'number' }, strategy: 'median' }],
      scale: [{ columns: [{ type: 'number' }, { type: 'date' }], method: 'standard' }],
      encode: [{ columns: { type: 'string' } }],
      split: { train: 0.7, validation: 0.15, test: 0.15, stratify: 'weather' },
    });
    workspace.write('pipelines/weather/predict/stage.json', { kind: 'predict', inputs: { model: 'train' }, data: { path: 'new-days.csv' }, key: 'date' });
    workspace.write('pipelines/weather/predict/new-days.csv', newDays(false));
    workspace.write('pipelines/weather/train/stage.json', {
      kind: 'train',
      inputs: { features: 'preprocess' },
      model: { family: 'logistic' },
      training: { epochs: 20, batchSize: 16 },
    });
    workspace.commitAll('weather pipeline');
  });
  afterAll(() => workspace?.remove());

  it('resolves the selectors, and model.onnx parses the raw date text', () => {
    expect(taskOutcomes(workspace.nxOk(run)).executed).toEqual(['weather-data:run', 'weather-predict:run', 'weather-preprocess:run', 'weather-train:run']);
    expect(resolved('dates[0].columns')).toEqual(['date']);
    expect(resolved('impute[0].columns')).toEqual(['temp_max', 'temp_min', 'wind']);
    expect(resolved('encode[0].columns')).toEqual(['station']);
    expect(transform().featureNames).toEqual(['date.month', 'date.dayOfWeek', 'date.dayOfYear', 'temp_max', 'temp_min', 'wind', 'station=SEA', 'station=TAC']);
    const predictions = workspace.read('pipelines/weather/predict/out/predictions.csv').trimEnd().split('\n');
    expect(predictions).toHaveLength(3);
    expect(predictions[1]!.startsWith('2016-02-29,')).toBe(true);
    for (const line of predictions.slice(1)) expect(WEATHER.some((label) => line.includes(`,${label}`))).toBe(true);
  });

  it('a column added to the data changes transform.json and the lineage, and reruns what depends on it', () => {
    const before = workspace.read('pipelines/weather/preprocess/out/transform.json');
    const csv = weatherCsv(true);
    workspace.write('data/weather.csv', csv);
    workspace.write('pipelines/weather/data/stage.lock.json', lock(csv));
    workspace.write('pipelines/weather/predict/new-days.csv', newDays(true));
    workspace.commitAll('the data gains a humidity column');
    expect(taskOutcomes(workspace.nxOk(run)).executed).toEqual(['weather-data:run', 'weather-predict:run', 'weather-preprocess:run', 'weather-train:run']);
    expect(workspace.read('pipelines/weather/preprocess/out/transform.json')).not.toBe(before);
    expect(resolved('impute[0].columns')).toEqual(['temp_max', 'temp_min', 'wind', 'humidity']);
    expect(transform().featureNames).toContain('humidity');
    const { summary } = JSON.parse(workspace.read('pipelines/weather/preprocess/out/lineage.json'));
    expect(summary.resolvedColumns['scale[0].columns']).toEqual(['temp_max', 'temp_min', 'wind', 'humidity', 'date']);
  });
});
