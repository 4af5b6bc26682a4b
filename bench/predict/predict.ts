/**
 * Inference speed, three ways over the same model (the penguins model.onnx, preprocessing
 * fused) in interleaved rounds:
 *   bare       a bare onnxruntime-node session.run loop over tensors built in advance;
 *   in memory  ReproML's predictTable over Table batches (input check, tensors, labels);
 *   end to end predictFile: a CSV streamed through the data package's reader, batches of
 *              10,000 rows, predictions.csv written (the predict stage's work, session on the
 *              main thread as the stage runs it), and again with the session in a worker
 *              thread (reading and writing overlap the runs, string columns are cloned).
 * Prints rows/s as min / median / max and the ratios end-to-end / in-memory and
 * in-memory / bare (medians of the per-round ratios). Run `npm run demo` first.
 * Run: node -r @swc-node/register bench/predict/predict.ts [rows=1000000] [rounds=5]
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Column, Table } from '../../packages/core/src';
import { readTable } from '../../packages/data/src';
import * as ort from '../../packages/onnx/node_modules/onnxruntime-node';
import { loadModel, predictFile, predictTable } from '../../packages/onnx/src';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = Number(process.argv[3] ?? 5);
/** In-memory sides run over fewer rows (their batches are held in memory). */
const IN_MEMORY_ROWS = Math.min(ROWS, 200_000);
const BATCH = 10_000;
const root = join(__dirname, '..', '..');
const modelPath = join(root, 'pipelines/penguins/train/out/model.onnx');
const rawPath = join(root, 'pipelines/penguins/preprocess/out/test.raw.csv');

function spread(values: number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, max: sorted[sorted.length - 1]! };
}

async function seconds(body: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await body();
  return (performance.now() - start) / 1000;
}

async function main(): Promise<void> {
  const model = await loadModel({ path: modelPath, threads: 1 });
  // The predict stage's two sessions (its `session` setting): the main thread, and a worker thread
  // (its default with 2+ cores), whose reading and writing overlap the runs.
  const workerModel = await loadModel({ path: modelPath, threads: 1, worker: true });
  const kinds = Object.fromEntries(model.signature.rawInputs.map((input) => [input.name, input.kind]));
  const sample = await readTable({ path: rawPath, format: 'csv', columnKinds: kinds });
  const rawText = readFileSync(rawPath, 'utf8').trimEnd().split('\n');
  const header = rawText[0]!;
  const lines = rawText.slice(1);

  // In memory: the same batches for both sides.
  const batches: Table[] = [];
  for (let start = 0; start < IN_MEMORY_ROWS; start += BATCH) {
    const rows = Math.min(BATCH, IN_MEMORY_ROWS - start);
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
        const tensor =
          column.kind === 'number'
            ? new ort.Tensor('float32', Float32Array.from(column.values), [table.rowCount, 1])
            : new ort.Tensor(
                'string',
                column.values.map((value) => value ?? ''),
                [table.rowCount, 1],
              );
        return [input.onnxName, tensor];
      }),
    ),
  );

  const dir = mkdtempSync(join(tmpdir(), 'reproml-bench-predict-'));
  try {
    const csv = join(dir, 'rows.csv');
    const chunks: string[] = [`id,${header}`];
    for (let row = 0; row < ROWS; row++) chunks.push(`${row + 1},${lines[row % lines.length]}`);
    writeFileSync(csv, `${chunks.join('\n')}\n`);
    chunks.length = 0;
    const output = join(dir, 'predictions.csv');

    const sides = {
      bare: async () => {
        for (const feeds of bareFeeds) await model.session.run(feeds);
        return IN_MEMORY_ROWS;
      },
      'in memory': async () => {
        for (const table of batches) await predictTable({ model, table, file: 'bench' });
        return IN_MEMORY_ROWS;
      },
      'end to end': async () => (await predictFile({ model, input: { path: csv, file: 'rows.csv' }, outputPath: output, key: 'id', batchSize: BATCH })).rows,
      'end to end, worker': async () =>
        (await predictFile({ model: workerModel, input: { path: csv, file: 'rows.csv' }, outputPath: output, key: 'id', batchSize: BATCH })).rows,
    } as const;
    const names = Object.keys(sides) as (keyof typeof sides)[];
    const rates: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
    for (const name of names) await sides[name](); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order so no side always runs first after a pause.
      for (let i = 0; i < names.length; i++) {
        const name = names[(round + i) % names.length]!;
        let rows = 0;
        const elapsed = await seconds(async () => (rows = await sides[name]()));
        rates[name]!.push(rows / elapsed);
      }
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
    }

    const show = (values: number[]) => {
      const { min, median, max } = spread(values);
      const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
      return `${fmt(median).padStart(11)} rows/s (${fmt(min)}–${fmt(max)})`;
    };
    const ratio = (a: string, b: string) => {
      const { min, median, max } = spread(rates[a]!.map((value, round) => value / rates[b]![round]!));
      return `${median.toFixed(2)}× (${min.toFixed(2)}–${max.toFixed(2)})`;
    };
    console.log(
      `bench/predict: ${ROUNDS} interleaved rounds, 1 thread, batches of ${BATCH.toLocaleString('en-US')}; in memory over ${IN_MEMORY_ROWS.toLocaleString('en-US')} rows, end to end over a ${ROWS.toLocaleString('en-US')}-row CSV (${(statSync(csv).size / 2 ** 20).toFixed(0)} MiB)`,
    );
    console.log(`  bare session.run loop (pre-built tensors)  ${show(rates.bare!)}`);
    console.log(`  in memory: predictTable over Table batches ${show(rates['in memory']!)}`);
    console.log(`  end to end: CSV → predictions.csv, session on the main thread  ${show(rates['end to end']!)}   (session: "main")`);
    console.log(`  end to end, session in a worker thread    ${show(rates['end to end, worker']!)}   (session: "auto" with 2+ cores)`);
    console.log(`  in memory / bare       ${ratio('in memory', 'bare')}   goal ≥ 0.9×`);
    console.log(`  end to end (worker) / in memory ${ratio('end to end, worker', 'in memory')}   goal ≥ 0.5× (the stage's default here)`);
    console.log(`  end to end (main thread) / in memory ${ratio('end to end', 'in memory')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await model.release();
    await workerModel.release();
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
