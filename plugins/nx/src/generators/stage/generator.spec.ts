import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { pipelineGenerator } from '../pipeline/generator';
import stageGeneratorForNx, { stageGenerator } from './generator';

const PENGUINS = readFileSync(join(__dirname, '../../../../../pipelines/penguins/raw/penguins.json'));

describe('stage generator', () => {
  let tree: Tree;

  beforeEach(async () => {
    tree = createTreeWithEmptyWorkspace();
    tree.write('data/penguins.json', PENGUINS);
    await pipelineGenerator(tree, { name: 'birds', data: 'data/penguins.json', target: 'Species' });
  });

  it('wires each input to the one stage of the kinds it reads', async () => {
    await stageGenerator(tree, { pipeline: 'birds', kind: 'train', name: 'train-mlp' });
    const train = readJson(tree, 'pipelines/birds/train-mlp/stage.json');
    expect(train).toMatchObject({ kind: 'train', inputs: { features: 'preprocess' } });
    expect(train.description).toContain('Train a linear');
  });

  it('asks for --inputs where several stages fit, and uses it', async () => {
    await stageGenerator(tree, { pipeline: 'birds', kind: 'train', name: 'train-mlp' });
    await expect(stageGenerator(tree, { pipeline: 'birds', kind: 'evaluate', name: 'evaluate-mlp' })).rejects.toMatchObject({
      message: "Input 'model' of the evaluate stage could be any of train, train-mlp",
      hint: 'Choose one: --inputs model=train.',
    });
    await stageGenerator(tree, { pipeline: 'birds', kind: 'evaluate', name: 'evaluate-mlp', inputs: 'model=train-mlp' });
    expect(readJson(tree, 'pipelines/birds/evaluate-mlp/stage.json').inputs).toEqual({ model: 'train-mlp', features: 'preprocess' });
  });

  it('refuses what it cannot write validly, naming the field, and writes nothing', async () => {
    const before = tree.listChanges().length;
    await expect(stageGenerator(tree, { pipeline: 'birds', kind: 'pull', name: 'batch' })).rejects.toMatchObject({ field: 'files' });
    await expect(stageGenerator(tree, { pipeline: 'birds', kind: 'trian' })).rejects.toMatchObject({ hint: expect.stringContaining('train') });
    await expect(stageGenerator(tree, { pipeline: 'fish', kind: 'train' })).rejects.toThrow(/does not exist/);
    await expect(stageGenerator(tree, { pipeline: 'birds', kind: 'train' })).rejects.toThrow(/already exists/);
    await expect(stageGenerator(tree, { pipeline: 'birds', kind: 'train', name: 'x', inputs: 'features=nope' })).rejects.toThrow(/no stage 'nope'/);
    expect(tree.listChanges().length).toBe(before);
  });

  it('says which stage to add first when a required input has no candidate', async () => {
    tree.delete('pipelines/birds/train');
    await expect(stageGenerator(tree, { pipeline: 'birds', kind: 'evaluate', name: 'evaluate-2' })).rejects.toMatchObject({
      message: "Input 'model' of the evaluate stage needs a train stage, and the pipeline has none",
      hint: 'Add one first: nx g @reproml/nx:stage <pipeline> train.',
    });
  });

  it('puts the field and the hint into the message for Nx, which prints only the message', async () => {
    await stageGenerator(tree, { pipeline: 'birds', kind: 'train', name: 'train-mlp' });
    await expect(stageGeneratorForNx(tree, { pipeline: 'birds', kind: 'evaluate', name: 'evaluate-mlp' })).rejects.toThrow(
      "[field inputs.model] Input 'model' of the evaluate stage could be any of train, train-mlp\n  → Choose one: --inputs model=train.",
    );
  });
});
