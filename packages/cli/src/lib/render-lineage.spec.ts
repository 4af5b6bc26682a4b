import { describe, expect, it } from 'vitest';
import type { LineageInput, LineageNode } from './lineage-chain';
import { renderLineageTree } from './render-lineage';
import { stageLocation } from './stage-layout';

function node(stage: string, kind: string, inputs: LineageInput[]): LineageNode {
  return {
    location: stageLocation('demo', stage),
    record: {
      stage: { name: `demo-${stage}`, kind },
      seed: 42,
      config: { kind },
      environment: { node: 'v20', platform: 'linux', arch: 'x64', lockfileSha256: null },
      outputs: [{ path: `pipelines/demo/${stage}/out/a.csv`, sha256: 'f'.repeat(64), size: 1 }],
    } as unknown as LineageNode['record'],
    inputs,
    environmentChanges: [],
  };
}

function readsFrom(upstream: LineageNode, files: string[]): LineageInput[] {
  return files.map(
    (file) =>
      ({ from: upstream.location.project, path: `${upstream.location.outDir}/${file}`, sha256: 'a'.repeat(64), consistent: true, upstream }) as LineageInput,
  );
}

describe('renderLineageTree', () => {
  it('prints each upstream stage once, however many of its files a stage read', () => {
    const data = node('data', 'pull', []);
    const preprocess = node('preprocess', 'preprocess', readsFrom(data, ['penguins.json', 'profile.json']));
    const train = node('train', 'train', [
      ...readsFrom(preprocess, ['train.features.csv', 'validation.features.csv', 'features.json']),
      ...readsFrom(data, ['profile.json']),
    ]);
    const tree = renderLineageTree({ root: train });
    for (const project of ['demo-train', 'demo-preprocess', 'demo-data']) {
      expect(tree.match(new RegExp(`└─ ${project} \\([a-z]+\\) {2}seed`, 'g'))?.length, project).toBe(1);
    }
    expect(tree).toContain('└─ demo-data (shown above)');
    expect(tree.split('\n').length).toBeLessThan(30);
  });
});
