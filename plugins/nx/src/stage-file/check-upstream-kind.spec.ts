import { join } from 'node:path';
import { defineStageKind, defineStageOutput, stageBaseShape } from '@reproml/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkUpstreamKind } from './check-upstream-kind';
import type { LoadedStage } from './load-stage';
import { type StageKindRegistry, stageKindRegistry } from './stage-kinds';

const WORKSPACE_ROOT = join(__dirname, '..', '..', '..', '..');

const reportOutput = defineStageOutput({ file: 'report.json', description: 'a report', schema: z.object({ ok: z.boolean() }) });
const kind = (name: string, spec: { outputs?: (typeof reportOutput)[]; reads?: (typeof reportOutput)[] }) =>
  defineStageKind({
    name,
    description: name,
    schema: z.object({ ...stageBaseShape, kind: z.literal(name) }).strict(),
    inputs: spec.reads ? { source: { description: 'a stage that writes a report', reads: spec.reads } } : {},
    outputs: spec.outputs,
    packages: [],
    run: async () => undefined,
  });
const producer = kind('producer', { outputs: [reportOutput] });
const consumer = kind('consumer', { reads: [reportOutput] });
const other = kind('other', {});
const registry = { kinds: [producer, consumer, other].map((k) => ({ kind: k })), names: [], get: () => undefined } as unknown as StageKindRegistry;

function stage(name: string, stageKind: ReturnType<typeof kind>): LoadedStage {
  return {
    identity: { name: `p-${name}`, pipeline: 'p', kind: stageKind.name, file: `pipelines/p/${name}/stage.json` },
    kind: stageKind,
  } as unknown as LoadedStage;
}

describe('checkUpstreamKind', () => {
  it('accepts an upstream kind that declares every document the input reads', () => {
    expect(() => checkUpstreamKind(stage('c', consumer), 'source', stage('p', producer), registry)).not.toThrow();
  });

  it('refuses one that does not, naming both stages, the document and the kinds that write it', () => {
    expect(() => checkUpstreamKind(stage('c', consumer), 'source', stage('o', other), registry)).toThrow(
      /Input 'source' of p-c names p-o, a other stage, which does not write report.json/,
    );
    try {
      checkUpstreamKind(stage('c', consumer), 'source', stage('o', other), registry);
    } catch (error) {
      expect((error as { hint: string }).hint).toMatch(/\(kind producer\)/);
      expect((error as { field: string }).field).toBe('inputs.source');
    }
  });

  it('the built-in kinds share one features.json contract: what preprocess declares is what train, evaluate and drift read', () => {
    const kinds = stageKindRegistry(WORKSPACE_ROOT);
    const written = kinds.get('preprocess')!.kind.outputs;
    for (const [reader, input] of [
      ['train', 'features'],
      ['evaluate', 'features'],
      ['drift', 'features'],
    ] as const) {
      const reads = kinds.get(reader)!.kind.inputs[input]!.reads ?? [];
      expect(reads.map((output) => output.file)).toEqual(reader === 'drift' ? ['features.json', 'transform.json'] : ['features.json']);
      for (const output of reads) expect(written).toContain(output);
    }
  });
});
