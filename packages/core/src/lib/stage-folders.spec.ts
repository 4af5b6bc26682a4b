import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listStageFolders, readStageKind } from './stage-folders';

describe('listStageFolders', () => {
  const root = mkdtempSync(join(tmpdir(), 'reproml-stage-folders-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const stage = (pipeline: string, name: string, content: string | null) => {
    mkdirSync(join(root, 'pipelines', pipeline, name), { recursive: true });
    if (content !== null) writeFileSync(join(root, 'pipelines', pipeline, name, 'stage.json'), content);
  };
  stage('zoo', 'train', '{"kind":"train"}');
  stage('penguins', 'train', '{"kind":"train"}');
  stage('penguins', 'data', '{"kind":"pull"}');
  stage('penguins', 'notes', null);
  stage('penguins', 'broken', '{"kind":');
  writeFileSync(join(root, 'pipelines', 'penguins', 'README.md'), 'not a stage');
  mkdirSync(join(root, 'pipelines', 'empty'));

  it('lists folders holding a stage file, by pipeline then stage, with their project, root and output folder', () => {
    expect(listStageFolders(root).map((stage) => stage.project)).toEqual(['penguins-broken', 'penguins-data', 'penguins-train', 'zoo-train']);
    expect(listStageFolders(root, 'penguins')[1]).toEqual({
      project: 'penguins-data',
      pipeline: 'penguins',
      stage: 'data',
      root: 'pipelines/penguins/data',
      outDir: 'pipelines/penguins/data/out',
    });
    expect(listStageFolders(root, 'missing')).toEqual([]);
    expect(listStageFolders(join(root, 'no-workspace'))).toEqual([]);
  });

  it('reads the kind a stage file names, undefined when the file does not parse', () => {
    const [broken, data] = listStageFolders(root, 'penguins');
    expect(readStageKind(root, data!)).toBe('pull');
    expect(readStageKind(root, broken!)).toBeUndefined();
  });
});
