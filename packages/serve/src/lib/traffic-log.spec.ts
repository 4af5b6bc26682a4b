import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Table } from '@reproml/core';
import { readTable } from '@reproml/data';
import type { ModelSignature, Predictions } from '@reproml/onnx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_TRAFFIC_FILE, TrafficLog } from './traffic-log';

const signature: ModelSignature = {
  rawInputs: [
    { name: 'x0', kind: 'number', onnxName: 'x0' },
    { name: 'tag', kind: 'string', onnxName: 'tag' },
  ],
  task: 'classification',
  classes: ['a', 'b'],
  outputs: ['label', 'probabilities'],
  acceptedStrings: new Map(),
};
const model = { name: 'm', version: 3, fingerprint: 'f'.repeat(64), signature };
const table = (x0: number[], tag: (string | null)[]): Table => ({
  columns: [
    { name: 'x0', kind: 'number', values: Float64Array.from(x0) },
    { name: 'tag', kind: 'string', values: tag },
  ],
  rowCount: x0.length,
});
const predictions = (rows: number): Predictions => ({
  rows,
  label: Float64Array.from({ length: rows }, (_, row) => row % 2),
  probabilities: Float32Array.from({ length: rows * 2 }, (_, index) => (index % 2 === 0 ? 0.25 : 0.75)),
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reproml-traffic-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('traffic log', () => {
  it('writes one JSON line per row (inputs, prediction columns, version, time), rotates by rows and links the newest complete file as latest.jsonl', async () => {
    const logDir = join(dir, 'rotate');
    const log = await TrafficLog.open({ options: { dir: logDir, maxRows: 4, keepFiles: 2 } });
    log.record(model, table([1, Number.NaN, 3], ['p', null, 'q']), predictions(3));
    expect(await readdir(logDir)).toEqual([expect.stringMatching(/^traffic-\d{8}T\d{6}Z-0001\.jsonl\.open$/)]);
    log.record(model, table([4], ['p']), predictions(1));
    await log.rotate();
    const first = (await readFile(join(logDir, LATEST_TRAFFIC_FILE), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(first).toHaveLength(4);
    expect(first[1]).toEqual({
      x0: null,
      tag: null,
      label: 'b',
      probability_a: 0.25,
      probability_b: 0.75,
      reproml_model_version: 3,
      reproml_logged_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    // A pull stage reads it like any JSONL data file: the model's columns with their kinds.
    const read = await readTable({ path: join(logDir, LATEST_TRAFFIC_FILE), format: 'jsonl', columnKinds: { x0: 'number', tag: 'string' } });
    expect(read.rowCount).toBe(4);
    expect(Array.from(read.columns.find((column) => column.name === 'x0')!.values as Float64Array)).toEqual([1, Number.NaN, 3, 4]);

    for (let file = 0; file < 3; file++) log.record(model, table([10 + file, 0, 0, 0], ['q', 'q', 'q', 'q']), predictions(4));
    await log.close();
    const files = (await readdir(logDir)).sort();
    // keepFiles 2: the oldest complete files are deleted; latest.jsonl is the newest one.
    expect(files.filter((name) => name.startsWith('traffic-'))).toHaveLength(2);
    expect(files).toContain(LATEST_TRAFFIC_FILE);
    expect(files.some((name) => name.endsWith('.open'))).toBe(false);
    expect(JSON.parse((await readFile(join(logDir, LATEST_TRAFFIC_FILE), 'utf8')).split('\n')[0]!).x0).toBe(12);
  });

  it('logs the sampled share of requests (whole requests), and nothing for a model whose inputs clash with logged columns', async () => {
    const logDir = join(dir, 'sample');
    let draw = 0;
    const draws = [0.05, 0.5, 0.09, 0.95];
    const warnings: string[] = [];
    const log = await TrafficLog.open({
      options: { dir: logDir, sampleRate: 0.1 },
      random: () => draws[draw++ % draws.length]!,
      warn: (message) => warnings.push(message),
    });
    for (let request = 0; request < 4; request++) log.record(model, table([request, request], ['p', 'q']), predictions(2));
    const clashing = {
      ...model,
      fingerprint: 'c'.repeat(64),
      signature: { ...signature, rawInputs: [...signature.rawInputs, { name: 'label', kind: 'string' as const, onnxName: 'label' }] },
    };
    log.record(clashing, table([9], ['p']), predictions(1));
    await log.close();
    const rows = (await readFile(join(logDir, LATEST_TRAFFIC_FILE), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rows.map((row) => row.x0)).toEqual([0, 0, 2, 2]);
    expect(warnings).toEqual([expect.stringMatching(/input\(s\) named like logged columns \(label\): its traffic is not logged/)]);
  });

  it('rotates a file with rows once it is older than maxAgeMs', async () => {
    const logDir = join(dir, 'age');
    const log = await TrafficLog.open({ options: { dir: logDir, maxAgeMs: 150 } });
    log.record(model, table([1], ['p']), predictions(1));
    const deadline = Date.now() + 5_000;
    while (!(await readdir(logDir)).includes(LATEST_TRAFFIC_FILE)) {
      if (Date.now() > deadline) throw new Error('the file did not rotate by age');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await log.close();
    expect((await readFile(join(logDir, LATEST_TRAFFIC_FILE), 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('completes a file left open by a killed server: whole lines kept, a torn last line dropped', async () => {
    const logDir = join(dir, 'crash');
    await mkdir(logDir, { recursive: true });
    const whole = `${JSON.stringify({ x0: 1, tag: 'p' })}\n${JSON.stringify({ x0: 2, tag: 'q' })}\n`;
    await writeFile(join(logDir, 'traffic-20261130T010000Z-0001.jsonl.open'), `${whole}{"x0": 3, "ta`);
    await writeFile(join(logDir, 'traffic-20261130T010000Z-0002.jsonl.open'), '{"x0": 4');
    const warnings: string[] = [];
    const log = await TrafficLog.open({ options: { dir: logDir }, warn: (message) => warnings.push(message) });
    await log.close();
    expect((await readdir(logDir)).sort()).toEqual([LATEST_TRAFFIC_FILE, 'traffic-20261130T010000Z-0001.jsonl']);
    expect(await readFile(join(logDir, LATEST_TRAFFIC_FILE), 'utf8')).toBe(whole);
    expect(warnings).toEqual([expect.stringMatching(/completed traffic-20261130T010000Z-0001\.jsonl\.open .* \(a torn last line of 13 bytes dropped\)/)]);
  });
});
