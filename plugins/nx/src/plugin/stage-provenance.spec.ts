import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStage } from '../stage-file/load-stage';
import { stageChainPathspecs } from './stage-provenance';
import { stageRunInputs } from './stage-target-inputs';

const WORKSPACE_ROOT = join(__dirname, '..', '..', '..', '..');

describe('stageChainPathspecs: what "dirty" means for a stage', () => {
  const push = loadStage(WORKSPACE_ROOT, 'pipelines/penguins/push/stage.json');
  const specs = stageChainPathspecs(WORKSPACE_ROOT, push);

  it('covers every stage upstream of the push (their folders minus outputs and docs) and the local data source', () => {
    for (const stage of ['data', 'preprocess', 'train', 'evaluate', 'push']) {
      expect(specs).toContain(`:(glob)pipelines/penguins/${stage}/**/*`);
      expect(specs).toContain(`:(exclude,glob)pipelines/penguins/${stage}/out/**/*`);
      expect(specs).toContain(`:(exclude,glob)pipelines/penguins/${stage}/**/*.md`);
    }
    expect(specs).toContain(':(literal)pipelines/penguins/raw/penguins.json');
    // Stages the push does not depend on are not part of its chain.
    expect(specs.some((spec) => spec.includes('pipelines/penguins/drift/') || spec.includes('pipelines/penguins/batch/'))).toBe(false);
  });

  it('covers the ReproML code the chain hashes and the lockfile its npm packages are hashed from', () => {
    expect(specs).toContain(':(glob)packages/onnx/src/**/*.ts');
    expect(specs).toContain(':(exclude,glob)packages/onnx/src/**/*.spec.ts');
    expect(specs).toContain(':(glob)packages/hub/src/**/*.ts');
    expect(specs).toContain(':(glob)plugins/nx/src/executors/**/*.ts');
    expect(specs).toContain(':(literal)pnpm-lock.yaml');
  });

  it('is derived from the run inputs: every file glob of every stage in the chain appears, nothing else is invented', () => {
    const chain = ['data', 'preprocess', 'train', 'evaluate', 'push'].map((stage) => loadStage(WORKSPACE_ROOT, `pipelines/penguins/${stage}/stage.json`));
    const fromInputs = new Set<string>();
    for (const stage of chain) {
      for (const input of stageRunInputs(WORKSPACE_ROOT, stage)) {
        if (typeof input !== 'string') continue;
        const exclude = input.startsWith('!');
        const path = (exclude ? input.slice(1) : input).replace('{projectRoot}', stage.root).replace('{workspaceRoot}/', '');
        fromInputs.add(path);
      }
    }
    const paths = specs.map((spec) => spec.replace(/^:\([a-z,]+\)/, ''));
    expect(new Set(paths.filter((path) => path !== 'pnpm-lock.yaml'))).toEqual(fromInputs);
  });
});
