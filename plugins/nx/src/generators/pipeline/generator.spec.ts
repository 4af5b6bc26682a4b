import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger, readJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { sha256OfBytes } from '@reproml/core';
import { datasetLockSchema } from '@reproml/data';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type HubServer, startHubServer } from '../../../../../tools/hub-server';
import { pipelineGenerator } from './generator';
import { rareClasses } from './infer-pipeline';

const REPO = join(__dirname, '../../../../..');
const PENGUINS = readFileSync(join(REPO, 'pipelines/penguins/raw/penguins.json'));

describe('pipeline generator', () => {
  let tree: Tree;

  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    tree.write('data/penguins.json', PENGUINS);
  });

  it('writes the five stages and a lock that pins the file’s bytes', async () => {
    await pipelineGenerator(tree, { name: 'birds', data: 'data/penguins.json', target: 'Species' });
    expect(tree.children('pipelines/birds').sort()).toEqual(['data', 'evaluate', 'preprocess', 'push', 'train']);
    const lock = datasetLockSchema.parse(readJson(tree, 'pipelines/birds/data/stage.lock.json'));
    expect(lock.files).toEqual({
      penguins: { source: 'data/penguins.json', revision: null, sha256: sha256OfBytes(PENGUINS), size: PENGUINS.length, format: 'json' },
    });
    expect(readJson(tree, 'pipelines/birds/data/stage.json')).toMatchObject({
      kind: 'pull',
      files: { penguins: { source: 'data/penguins.json', format: 'json' } },
      schema: { columns: { Species: { type: 'string' }, 'Body Mass (g)': { type: 'number', nullable: true } }, extraColumns: 'error' },
    });
    expect(readJson(tree, 'pipelines/birds/train/stage.json')).toMatchObject({
      kind: 'train',
      inputs: { features: 'preprocess' },
      model: { family: 'logistic' },
    });
    expect(readJson(tree, 'pipelines/birds/evaluate/stage.json')).toMatchObject({ kind: 'evaluate', inputs: { model: 'train', features: 'preprocess' } });
    expect(readJson(tree, 'pipelines/birds/push/stage.json')).toMatchObject({ kind: 'push', inputs: { model: 'train', metrics: 'evaluate' }, model: 'birds' });
  });

  it('infers a classification spec: numbers imputed and scaled, categories one-hot, stratified on the target', async () => {
    await pipelineGenerator(tree, { name: 'birds', data: 'data/penguins.json', target: 'Species' });
    const numbers = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'];
    const preprocess = readJson(tree, 'pipelines/birds/preprocess/stage.json');
    expect(preprocess).toMatchObject({
      kind: 'preprocess',
      inputs: { dataset: 'data' },
      target: { column: 'Species', task: 'classification' },
      impute: [
        { columns: numbers, strategy: 'median' },
        { columns: ['Sex'], strategy: 'most_frequent' },
      ],
      encode: [{ columns: ['Island', 'Sex'], method: 'onehot', unseen: 'ignore' }],
      scale: [{ columns: numbers, method: 'standard' }],
      split: { stratify: 'Species' },
    });
    expect(preprocess.columns).toBeUndefined();
  });

  it('infers regression for a number target, filters its missing rows and picks a linear baseline on a standardized target', async () => {
    await pipelineGenerator(tree, { name: 'mass', data: 'data/penguins.json', target: 'Body Mass (g)' });
    const preprocess = readJson(tree, 'pipelines/mass/preprocess/stage.json');
    expect(preprocess.target).toEqual({ column: 'Body Mass (g)', task: 'regression' });
    expect(preprocess.filters).toEqual([{ op: 'notNull', column: 'Body Mass (g)' }]);
    expect(preprocess.split.stratify).toBeUndefined();
    expect(preprocess.encode[0].columns).toEqual(['Species', 'Island', 'Sex']);
    expect(readJson(tree, 'pipelines/mass/train/stage.json')).toMatchObject({
      model: { family: 'linear' },
      training: { optimizer: { type: 'adam', learningRate: 0.01 }, standardizeTarget: true },
    });
    await pipelineGenerator(tree, { name: 'mass-trees', data: 'data/penguins.json', target: 'Body Mass (g)', model: 'gbdt' });
    expect(readJson(tree, 'pipelines/mass-trees/train/stage.json').training).toBeUndefined();
  });

  it('drops ids, high-cardinality text and constant columns, saying why in the description', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i + 1},name-${i},x,${i % 2 ? 'a' : 'b'},${i * 1.5},${i % 3}`);
    tree.write('data/people.csv', `id,name,const,group,score,label\n${rows.join('\n')}\n`);
    await pipelineGenerator(tree, { name: 'people', data: 'data/people.csv', target: 'label', model: 'mlp' });
    const preprocess = readJson(tree, 'pipelines/people/preprocess/stage.json');
    expect(preprocess.columns).toEqual({ drop: ['id', 'name', 'const'] });
    expect(preprocess.description).toContain('id (an id');
    expect(preprocess.description).toContain('name (an id or free text');
    expect(preprocess.description).toContain("const (constant ('x'))");
    // A few whole numbers are classes, kept as the data's values: no cast needed.
    expect(preprocess.target).toEqual({ column: 'label', task: 'classification' });
    expect(preprocess.casts).toBeUndefined();
    expect(readJson(tree, 'pipelines/people/train/stage.json').model).toEqual({ family: 'mlp', hiddenLayers: [32] });
  });

  it('turns an ISO date column into date features (the dates rule), imputed and scaled like numbers: shipped seattle-weather', async () => {
    tree.write('datasets/vega/seattle-weather.csv', readFileSync(join(REPO, 'datasets/vega/seattle-weather.csv')));
    await pipelineGenerator(tree, { name: 'weather', data: 'datasets/vega/seattle-weather.csv', target: 'weather' });
    const preprocess = readJson(tree, 'pipelines/weather/preprocess/stage.json');
    expect(preprocess).toMatchObject({
      target: { column: 'weather', task: 'classification' },
      dates: [{ columns: ['date'] }],
      scale: [{ columns: ['precipitation', 'temp_max', 'temp_min', 'wind', 'date'], method: 'standard' }],
      split: { stratify: 'weather' },
    });
    expect(preprocess.columns).toBeUndefined();
    expect(preprocess.description).toContain('date features (then impute and scale) of date');
  });

  it('shipped cars: regression of a target with missing values, a date column, an id-like name dropped', async () => {
    tree.write('datasets/vega/cars.json', readFileSync(join(REPO, 'datasets/vega/cars.json')));
    await pipelineGenerator(tree, { name: 'mpg', data: 'datasets/vega/cars.json', target: 'Miles_per_Gallon' });
    const preprocess = readJson(tree, 'pipelines/mpg/preprocess/stage.json');
    expect(preprocess).toMatchObject({
      target: { column: 'Miles_per_Gallon', task: 'regression' },
      filters: [{ op: 'notNull', column: 'Miles_per_Gallon' }],
      columns: { drop: ['Name'] },
      dates: [{ columns: ['Year'] }],
      impute: [{ columns: ['Horsepower'], strategy: 'median' }],
      encode: [{ columns: ['Origin'], method: 'onehot', unseen: 'ignore' }],
    });
    expect(readJson(tree, 'pipelines/mpg/train/stage.json').model).toEqual({ family: 'linear' });
  });

  it('filters out the rows of classes too rare for the stratified split (cars by cylinders: 3 and 5 cylinders), saying so', async () => {
    tree.write('datasets/vega/cars.json', readFileSync(join(REPO, 'datasets/vega/cars.json')));
    const print = await pipelineGenerator(tree, { name: 'cylinders', data: 'datasets/vega/cars.json', target: 'Cylinders' });
    const preprocess = readJson(tree, 'pipelines/cylinders/preprocess/stage.json');
    expect(preprocess.target).toEqual({ column: 'Cylinders', task: 'classification' });
    expect(preprocess.filters).toEqual([{ op: 'notIn', column: 'Cylinders', values: [3, 5] }]);
    expect(preprocess.description).toContain('rows of classes too rare for a stratified split filtered out: 3 (4 rows), 5 (3 rows)');
    const lines: string[] = [];
    const info = vi.spyOn(logger, 'info').mockImplementation((line) => void lines.push(String(line)));
    print();
    info.mockRestore();
    expect(lines.join('\n')).toMatch(/Cylinders\s+target\s+the target; rows of 2 class\(es\) too rare to stratify dropped: 3 \(4 rows\), 5 \(3 rows\)/);
    // 5 rows is the least 0.7/0.15/0.15 gives every split one of (3/1/1); 4 rows leave the test split without one.
    expect(rareClasses({ name: 'c', kind: 'number', values: Float64Array.of(1, 1, 1, 1, 1, 2, 2, 2, 2, NaN) })).toEqual([{ value: 2, rows: 4 }]);
  });

  it('writes nothing to disk until the tree is flushed, so --dry-run only lists the files', async () => {
    await pipelineGenerator(tree, { name: 'birds', data: 'data/penguins.json', target: 'Species' });
    const created = tree
      .listChanges()
      .filter((change) => change.path.startsWith('pipelines/'))
      .map((change) => `${change.type} ${change.path}`)
      .sort();
    expect(created).toEqual([
      'CREATE pipelines/birds/data/stage.json',
      'CREATE pipelines/birds/data/stage.lock.json',
      'CREATE pipelines/birds/evaluate/stage.json',
      'CREATE pipelines/birds/preprocess/stage.json',
      'CREATE pipelines/birds/push/stage.json',
      'CREATE pipelines/birds/train/stage.json',
    ]);
  });

  it('refuses bad options with a typed error that says what to do, writing nothing', async () => {
    const before = tree.listChanges().length;
    await expect(pipelineGenerator(tree, { name: 'birds', data: 'data/penguins.json', target: 'Specie' })).rejects.toMatchObject({
      message: expect.stringContaining("'Specie' is not a column of data/penguins.json"),
      hint: expect.stringContaining('"Species"'),
    });
    await expect(pipelineGenerator(tree, { name: 'birds', data: 'data/missing.csv', target: 'Species' })).rejects.toThrow(/does not exist/);
    await expect(pipelineGenerator(tree, { name: 'birds', data: '../outside.csv', target: 'Species' })).rejects.toThrow(/not a path inside the workspace/);
    await expect(pipelineGenerator(tree, { name: 'birds', data: 'ftp://example.com/x.csv', target: 'Species' })).rejects.toThrow(
      /only https:\/\/ URLs, hf:\/\/datasets\/… files and workspace paths/,
    );
    // The pull stage's transport policy, before any request: plain http is refused (loopback only with the test opt-in).
    await expect(pipelineGenerator(tree, { name: 'birds', data: 'http://example.com/x.csv', target: 'Species' })).rejects.toThrow(
      /Plain http:\/\/ sources are not allowed/,
    );
    await expect(pipelineGenerator(tree, { name: 'birds', data: 'https://example.com/data', target: 'Species' })).rejects.toMatchObject({
      message: 'Cannot tell the format of https://example.com/data from its extension',
      hint: expect.stringContaining('--format csv|tsv'),
    });
    await expect(pipelineGenerator(tree, { name: 'birds', data: 'data/penguins.json', target: 'Species', revision: 'v1' })).rejects.toThrow(
      /--revision applies to hf:\/\/ sources only/,
    );
    await expect(pipelineGenerator(tree, { name: 'Birds', data: 'data/penguins.json', target: 'Species' })).rejects.toThrow(/not a pipeline name/);
    await expect(pipelineGenerator(tree, { name: 'birds', data: 'data/penguins.json', target: 'Species', model: 'linear' })).rejects.toThrow(
      /does not fit a classification task/,
    );
    expect(tree.listChanges().length).toBe(before);
    await pipelineGenerator(tree, { name: 'birds', data: 'data/penguins.json', target: 'Species' });
    await expect(pipelineGenerator(tree, { name: 'birds', data: 'data/penguins.json', target: 'Species' })).rejects.toThrow(/already exists/);
  });

  describe("https:// and hf:// data, through the pull stage's own sources (local Hub on 127.0.0.1)", () => {
    let hub: HubServer;
    let store: string;
    let commit: string;
    const csv = `${['weather,temp', ...Array.from({ length: 30 }, (_, i) => `${i % 3 ? 'sun' : 'rain'},${10 + (i % 7)}`)].join('\n')}\n`;

    beforeAll(async () => {
      hub = await startHubServer();
      hub.addToken('hf_alice', 'alice');
      commit = hub.repos.create({ type: 'dataset', name: 'alice/weather' }).commit({ files: { 'data/days.csv': csv } });
      hub.repos.create({ type: 'dataset', name: 'alice/private', private: true }).commit({ files: { 'days.csv': csv } });
      store = mkdtempSync(join(tmpdir(), 'reproml-generator-store-'));
      vi.stubEnv('HF_ENDPOINT', hub.url);
      vi.stubEnv('REPROML_STORE_DIR', store);
      vi.stubEnv('REPROML_ALLOW_HTTP_LOCALHOST', '1');
      vi.stubEnv('REPROML_HTTP_RETRIES', '0');
      vi.stubEnv('HF_TOKEN', '');
    });
    afterAll(async () => {
      vi.unstubAllEnvs();
      await hub?.close();
      rmSync(store, { force: true, recursive: true });
    });

    it('locks an hf:// file at the commit its branch points to, as `nx run <stage>:lock` does, and profiles it', async () => {
      await pipelineGenerator(tree, { name: 'days', data: 'hf://datasets/alice/weather/data/days.csv', target: 'weather' });
      const lock = datasetLockSchema.parse(readJson(tree, 'pipelines/days/data/stage.lock.json'));
      expect(lock.files).toEqual({
        days: {
          source: 'hf://datasets/alice/weather/data/days.csv',
          ref: 'main',
          revision: commit,
          sha256: sha256OfBytes(Buffer.from(csv)),
          size: Buffer.byteLength(csv),
          format: 'csv',
        },
      });
      expect(readJson(tree, 'pipelines/days/data/stage.json').files).toEqual({ days: { source: 'hf://datasets/alice/weather/data/days.csv', format: 'csv' } });
      expect(readJson(tree, 'pipelines/days/preprocess/stage.json').target).toEqual({ column: 'weather', task: 'classification' });
      // The bytes went to the store (outside the workspace), never into the tree.
      expect(tree.listChanges().filter((change) => !change.path.startsWith('pipelines/days/') && change.path.endsWith('.csv'))).toEqual([]);
    });

    it('locks a URL by its bytes (no revision), through the same transport policy', async () => {
      const url = `${hub.url}/datasets/alice/weather/resolve/${commit}/data/days.csv`;
      await pipelineGenerator(tree, { name: 'days', data: url, target: 'temp' });
      const lock = datasetLockSchema.parse(readJson(tree, 'pipelines/days/data/stage.lock.json'));
      expect(lock.files['days']).toEqual({ source: url, revision: null, sha256: sha256OfBytes(Buffer.from(csv)), size: Buffer.byteLength(csv), format: 'csv' });
    });

    it("passes --revision to the pull stage and refuses a private repo with the pull stage's message, writing nothing", async () => {
      await pipelineGenerator(tree, { name: 'pinned', data: 'hf://datasets/alice/weather/data/days.csv', target: 'weather', revision: commit });
      expect(readJson(tree, 'pipelines/pinned/data/stage.json').files.days).toMatchObject({ revision: commit });
      const before = tree.listChanges().length;
      await expect(pipelineGenerator(tree, { name: 'secret', data: 'hf://datasets/alice/private/days.csv', target: 'weather' })).rejects.toMatchObject({
        message: expect.stringContaining('HTTP 401 Unauthorized reading days.csv in dataset alice/private'),
        field: 'files.days.source',
        hint: expect.stringContaining('set HF_TOKEN'),
      });
      expect(tree.listChanges().length).toBe(before);
    });
  });
});
