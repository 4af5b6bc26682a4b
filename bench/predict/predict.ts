/**
 * Inference: ReproML predict (predictTable over Table batches: column check, tensors,
 * labels) vs a bare onnxruntime-node session.run loop over pre-built tensors, same model
 * and rows; then rows/s end to end (streamed CSV → predictions.csv) on a 1M-row CSV.
 * Uses the penguins pipeline's model.onnx and test rows: run `npm run demo` first.
 * Run: node -r @swc-node/register bench/predict/predict.ts [rows]
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Column, Table } from '../../packages/core/src';
import { readTable } from '../../packages/data/src';
import * as ort from '../../packages/onnx/node_modules/onnxruntime-node';
import { loadModel, predictFile, predictTable } from '../../packages/onnx/src';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const BATCH = 10_000;
const root = join(__dirname, '..', '..');
const modelPath = join(root, 'pipelines/penguins/train/out/model.onnx');
const rawPath = join(root, 'pipelines/penguins/preprocess/out/test.raw.csv');

function _sliceTable(table: Table, start: number, end: number): Table {
  return {
    rowCount: end - start,
    columns: table.columns.map(
      (column): Column =>
        column.kind === 'number' ? { ...column, values: column.values.slice(start, end) } : { ...column, values: column.values.slice(start, end) },
    ),
  };
}

async function main(): Promise<void> {
  const model = await loadModel({ path: modelPath, threads: 1 });
  const kinds = Object.fromEntries(model.signature.rawInputs.map((input) => [input.name, input.kind]));
  const sample = await readTable({ path: rawPath, format: 'csv', columnKinds: kinds });
  const rawText = readFileSync(rawPath, 'utf8').trimEnd().split('\n');
  const header = rawText[0]!;
  const lines = rawText.slice(1);

  // In memory: the same batches for both sides.
  const inMemoryRows = Math.min(ROWS, 200_000);
  const batches: Table[] = [];
  for (let start = 0; start < inMemoryRows; start += BATCH) {
    const rows = Math.min(BATCH, inMemoryRows - start);
    const columns = sample.columns.map((column): Column => {
      if (column.kind === 'number') return { ...column, values: Float64Array.from({ length: rows }, (_, i) => column.values[(start + i) % sample.rowCount]!) };
      return { ...column, values: Array.from({ length: rows }, (_, i) => column.values[(start + i) % sample.rowCount]!) };
    });
    batches.push({ rowCount: rows, columns });
  }
  const bareFeeds = batches.map((table) =>
    Object.fromEntries(
      model.signature.rawInputs.map((input) => {
        const column = table.columns.find((candidate) => candidate.name === input.name)!;
        return [
          input.onnxName,
          column.kind === 'number'
            ? new ort.Tensor('float32', Float32Array.from(column.values), [table.rowCount, 1])
            : new ort.Tensor(
                'string',
                column.values.map((value) => value ?? ''),
                [table.rowCount, 1],
              ),
        ];
      }),
    ),
  );
  // Interleaved rounds, best of each: the machine is shared, so single timings are noisy.
  const best = { bare: Infinity, ours: Infinity };
  const seconds = async (body: () => Promise<void>): Promise<number> => {
    const start = performance.now();
    await body();
    return (performance.now() - start) / 1000;
  };
  const runBare = async () => {
    for (const feeds of bareFeeds) await model.session.run(feeds);
  };
  const runOurs = async () => {
    for (const table of batches) await predictTable({ model, table, file: 'bench' });
  };
  await runBare();
  await runOurs();
  for (let round = 0; round < 5; round++) {
    best.bare = Math.min(best.bare, await seconds(runBare));
    best.ours = Math.min(best.ours, await seconds(runOurs));
  }
  const { bare, ours } = best;
  console.log(`in memory, ${inMemoryRows.toLocaleString('en-US')} rows in batches of ${BATCH}, 1 thread, best of 5 interleaved rounds:`);
  console.log(
    `  bare session.run loop (pre-built tensors) ${Math.round(inMemoryRows / bare)
      .toLocaleString('en-US')
      .padStart(11)} rows/s`,
  );
  console.log(
    `  ReproML predictTable (from Table batches) ${Math.round(inMemoryRows / ours)
      .toLocaleString('en-US')
      .padStart(11)} rows/s   ratio ${(bare / ours).toFixed(2)}×`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'reproml-bench-predict-'));
  try {
    const csv = join(dir, 'rows.csv');
    const chunks: string[] = [`id,${header}`];
    for (let row = 0; row < ROWS; row++) chunks.push(`${row + 1},${lines[row % lines.length]}`);
    writeFileSync(csv, `${chunks.join('\n')}\n`);
    chunks.length = 0;
    const output = join(dir, 'predictions.csv');
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const start = performance.now();
    const result = await predictFile({ model, input: { path: csv, file: 'rows.csv' }, outputPath: output, key: 'id', batchSize: BATCH });
    const elapsed = (performance.now() - start) / 1000;
    clearInterval(timer);
    console.log(
      `end to end, ${result.rows.toLocaleString('en-US')}-row CSV (${(statSync(csv).size / 2 ** 20).toFixed(0)} MiB) → predictions.csv: ${Math.round(result.rows / elapsed).toLocaleString('en-US')} rows/s (${elapsed.toFixed(1)} s, peak RSS +${((peakRss - rssBefore) / 2 ** 20).toFixed(0)} MiB)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await model.release();
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
