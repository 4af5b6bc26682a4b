import { describe, expect, it } from 'vitest';
import { describeEnvironmentChanges, diffEnvironment } from './environment-diff';
import type { Environment } from './lineage-record';

const recorded: Environment = {
  node: 'v20.19.0',
  platform: 'linux',
  arch: 'x64',
  packages: { 'onnxruntime-node': '1.29.0', zod: '4.1.13' },
  lockfileSha256: 'a'.repeat(64),
};

describe('diffEnvironment', () => {
  it('names exactly what changed between two environments', () => {
    const current: Environment = { ...recorded, node: 'v20.20.2', packages: { 'onnxruntime-node': '1.30.0', zod: '4.1.13' } };
    expect(describeEnvironmentChanges(diffEnvironment(recorded, current))).toEqual(['node v20.19.0 → v20.20.2', 'package onnxruntime-node 1.29.0 → 1.30.0']);
  });

  it('finds nothing when the environments match', () => {
    expect(diffEnvironment(recorded, structuredClone(recorded))).toEqual([]);
  });
});
