import type { Table } from '@reproml/core';
import type { Predictions } from '@reproml/onnx';
import { describe, expect, it } from 'vitest';
import { MicroBatcher } from './micro-batcher';

/** A table of one number column `x` holding `values`. */
const rowsOf = (...values: number[]): Table => ({ rowCount: values.length, columns: [{ name: 'x', kind: 'number', values: Float64Array.from(values) }] });
const xs = (table: Table) => Array.from(table.columns[0]!.values as Float64Array);

/** A run the test finishes by hand: each call waits until `finish(index)`; predictions echo x as the label. */
function heldRuns() {
  const calls: { table: Table; finish(error?: Error): void }[] = [];
  const run = (table: Table) =>
    new Promise<Predictions>((resolve, reject) => {
      calls.push({ table, finish: (error) => (error ? reject(error) : resolve({ rows: table.rowCount, label: Float64Array.from(xs(table)) })) });
    });
  return { calls, run };
}

describe('MicroBatcher', () => {
  it('starts the next batch before answering the finished one, so a worker-thread session computes while responses are written', async () => {
    const { calls, run } = heldRuns();
    const batcher = new MicroBatcher({ maxBatchSize: 64, maxWaitMs: 0, run });
    const first = batcher.submit(rowsOf(1));
    const second = batcher.submit(rowsOf(2));
    const third = batcher.submit(rowsOf(3));
    expect(calls.map((call) => xs(call.table))).toEqual([[1]]);
    const runsWhenAnswered = first.then(() => calls.length);
    calls[0]!.finish();
    expect(await runsWhenAnswered).toBe(2);
    expect(xs(calls[1]!.table)).toEqual([2, 3]);
    calls[1]!.finish();
    expect(Array.from((await second).label)).toEqual([2]);
    expect(Array.from((await third).label)).toEqual([3]);
    await batcher.idle();
  });

  it('reruns a failed batch request by request: only the failing request fails, the others get their own rows', async () => {
    const { calls, run } = heldRuns();
    const batcher = new MicroBatcher({ maxBatchSize: 64, maxWaitMs: 0, run });
    const blocker = batcher.submit(rowsOf(0));
    const results = [batcher.submit(rowsOf(1)), batcher.submit(rowsOf(2, 3))].map((promise) =>
      promise.then(
        (p) => Array.from(p.label),
        (e: Error) => e.message,
      ),
    );
    calls[0]!.finish();
    await blocker;
    expect(xs(calls[1]!.table)).toEqual([1, 2, 3]);
    calls[1]!.finish(new Error('batch failed'));
    await new Promise((resolve) => setImmediate(resolve));
    calls[2]!.finish();
    await new Promise((resolve) => setImmediate(resolve));
    calls[3]!.finish(new Error('rows 2 and 3 are bad'));
    expect(await Promise.all(results)).toEqual([[1], 'rows 2 and 3 are bad']);
    await batcher.idle();
  });

  it('caps a batch at maxBatchSize rows and waits maxWaitMs for a batch to fill', async () => {
    const { calls, run } = heldRuns();
    const batcher = new MicroBatcher({ maxBatchSize: 2, maxWaitMs: 20, run });
    const answers = [1, 2, 3].map((x) => batcher.submit(rowsOf(x)));
    // Two rows filled a batch at once; the third waits for the running one.
    expect(calls.map((call) => xs(call.table))).toEqual([[1, 2]]);
    calls[0]!.finish();
    await answers[0];
    expect(calls.map((call) => xs(call.table))).toEqual([[1, 2], [3]]);
    calls[1]!.finish();
    await answers[2];
    // Nothing running: a lone request waits maxWaitMs for company.
    const late = batcher.submit(rowsOf(4));
    expect(calls).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(calls.map((call) => xs(call.table))).toEqual([[1, 2], [3], [4]]);
    calls[2]!.finish();
    expect(Array.from((await late).label)).toEqual([4]);
  });
});
