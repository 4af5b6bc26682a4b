import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { sha256OfBytes } from '@reproml/core';
import { datasetLockSchema } from '@reproml/data';
import { beforeEach, describe, expect, it } from 'vitest';
import { pipelineGenerator } from './generator';

const PENGUINS = readFileSync(join(__dirname, '../../../../../pipelines/penguins/raw/penguins.json'));

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

  it('infers regression for a number target, filters its missing rows and picks a gbdt baseline', async () => {
    await pipelineGenerator(tree, { name: 'mass', data: 'data/penguins.json', target: 'Body Mass (g)' });
    const preprocess = readJson(tree, 'pipelines/mass/preprocess/stage.json');
    expect(preprocess.target).toEqual({ column: 'Body Mass (g)', task: 'regression' });
    expect(preprocess.filters).toEqual([{ op: 'notNull', column: 'Body Mass (g)' }]);
    expect(preprocess.split.stratify).toBeUndefined();
    expect(preprocess.encode[0].columns).toEqual(['Species', 'Island', 'Sex']);
    expect(readJson(tree, 'pipelines/mass/train/stage.json').model).toEqual({ family: 'gbdt' });
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
    await expect(pipelineGenerator(tree, { name: 'birds', data: 'https://example.com/x.csv', target: 'Species' })).rejects.toThrow(/local files only/);
    await expect(pipelineGenerator(tree, { name: 'Birds', data: 'data/penguins.json', target: 'Species' })).rejects.toThrow(/not a pipeline name/);
    await expect(pipelineGenerator(tree, { name: 'birds', data: 'data/penguins.json', target: 'Species', model: 'linear' })).rejects.toThrow(
      /does not fit a classification task/,
    );
    expect(tree.listChanges().length).toBe(before);
    await pipelineGenerator(tree, { name: 'birds', data: 'data/penguins.json', target: 'Species' });
    await expect(pipelineGenerator(tree, { name: 'birds', data: 'data/penguins.json', target: 'Species' })).rejects.toThrow(/already exists/);
  });
});
