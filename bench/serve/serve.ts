/**
 * Serving throughput and latency: autocannon (HTTP/1.1 load from npm) against `@reproml/serve`
 * servers in child processes on 127.0.0.1, vs an in-process bare onnxruntime-node
 * `session.run` loop over pre-built tensors at the same batch sizes. Same model (the serve
 * fixture: the train stage's MLP on the onnx feature fixture, preprocessing fused), one
 * onnxruntime thread on both sides. Interleaved rounds; min / median / max.
 *
 * 1. Throughput: 64 concurrent clients (connections), one row per request, micro-batching on
 *    (max batch 64), session.run on the main thread or in a worker thread, max wait 2 or 0 ms
 *    (BENCH_BATCHING): served rows/s ÷ bare rows/s at that server's mean batch size.
 *    The same load against a plain node:http server with no model (floor-server.ts) gives the
 *    HTTP floor: the most requests/s any server answers here, so floor ÷ bare is the ceiling
 *    of the ratio for one row per request.
 * 2. p99 latency of single-row requests at a fixed rate (RATE req/s over 16 connections), with
 *    micro-batching (max batch 64, max wait 2 ms) and without (max batch 1).
 *
 * Both for the fixture's small model (one hidden layer of 8: ~3 µs of inference per row, so
 * HTTP dominates) and a wide one (two hidden layers of 1024: inference dominates).
 *
 * Run: node -r @swc-node/register bench/serve/serve.ts [rounds=3] [seconds=5] [rate=400]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { Column, Table } from '../../packages/core/src';
import * as ort from '../../packages/onnx/node_modules/onnxruntime-node';
import { loadModel, type ModelSession } from '../../packages/onnx/src';
import { concatTables } from '../../packages/serve/src';
import { createServedModelFixture, fixtureRows } from '../../packages/serve/src/testing/served-model-fixture';
import { cpuSince, ownCpuSeconds, threadCpu } from './cpu-time';

const ROUNDS = Number(process.argv[2] ?? 3);
const SECONDS = Number(process.argv[3] ?? 5);
const RATE = Number(process.argv[4] ?? 400);
const CLIENTS = 64;
const CORES = availableParallelism();

interface Server {
  url: string;
  child: ChildProcess;
}

async function startServer(registryDir: string, options: Record<string, unknown>): Promise<Server> {
  return startChild([join(__dirname, 'server.ts'), registryDir, JSON.stringify({ port: 0, threads: 1, ...options })]);
}

/** A child process running a script that prints "listening at <url>". */
async function startChild(args: string[]): Promise<Server> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening at (\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { url, child };
}

function load(url: string, options: Partial<autocannon.Options>): Promise<autocannon.Result> {
  const body = JSON.stringify({ rows: [{ x0: 1.2, x1: -0.4, tag: 'p' }] });
  return autocannon({ url: `${url}/predict`, method: 'POST', headers: { 'content-type': 'application/json' }, body, duration: SECONDS, ...options });
}

/** CPU per request (µs) of a load run: the generator (this process) and the server's main thread and other threads. */
interface CpuPerRequest {
  generator: number;
  main: number;
  other: number;
}

/** A throughput run with its CPU accounting (undefined where /proc is missing). */
async function measuredLoad(server: Server, options: Partial<autocannon.Options>): Promise<{ result: autocannon.Result; cpu?: CpuPerRequest }> {
  const serverBefore = await threadCpu(server.child.pid!);
  const ownBefore = ownCpuSeconds();
  const result = await load(server.url, options);
  const own = ownCpuSeconds() - ownBefore;
  const serverAfter = await threadCpu(server.child.pid!);
  if (!serverBefore || !serverAfter || result.requests.total === 0) return { result };
  const used = cpuSince(serverAfter, serverBefore);
  const perRequest = (seconds: number) => (seconds * 1e6) / result.requests.total;
  return { result, cpu: { generator: perRequest(own), main: perRequest(used.main), other: perRequest(used.other) } };
}

/**
 * The most requests/s this CPU cost allows if the machine's cores were the run's alone: all
 * cores busy, the server's main thread busy, or the (single-threaded) generator busy, whichever comes first.
 */
function cpuCeiling(cpu: CpuPerRequest): number {
  return 1e6 / Math.max((cpu.generator + cpu.main + cpu.other) / CORES, cpu.main, cpu.generator);
}

/**
 * The rows/s of an ideal server: the HTTP floor's CPU per request on its event loop, inference in
 * another thread at the bare loop's CPU µs per row, all cores busy.
 */
function idealCeiling(floor: CpuPerRequest, inference: number): number {
  return 1e6 / Math.max((floor.generator + floor.main + floor.other + inference) / CORES, floor.main, floor.generator, inference);
}

const showCpu = (cpu: CpuPerRequest[], unit: string) =>
  `generator ${show(
    cpu.map((c) => c.generator),
    1,
  )} µs, server main thread ${show(
    cpu.map((c) => c.main),
    1,
  )} µs, other threads ${show(
    cpu.map((c) => c.other),
    1,
  )} µs per ${unit}`;

async function batchStats(url: string): Promise<{ runs: number; rows: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { runs: value('reproml_serve_batch_rows_count'), rows: value('reproml_serve_batch_rows_sum') };
}

/**
 * A bare session.run loop over pre-built tensors of `batch` rows for `seconds`: its rows/s, and
 * its CPU µs per row (which other jobs on the machine move far less than rows/s).
 */
async function bareLoop(session: ModelSession, table: Table, batch: number, seconds: number): Promise<{ rate: number; cpuPerRow: number }> {
  const copies = Math.ceil(batch / table.rowCount);
  const wide = concatTables(Array.from({ length: copies }, () => table));
  const feeds: Record<string, ort.Tensor> = {};
  for (const column of wide.columns as Column[]) {
    feeds[column.name] =
      column.kind === 'number'
        ? new ort.Tensor('float32', Float32Array.from(column.values.subarray(0, batch)), [batch, 1])
        : new ort.Tensor(
            'string',
            column.values.slice(0, batch).map((value) => value ?? ''),
            [batch, 1],
          );
  }
  let rows = 0;
  const cpuBefore = ownCpuSeconds();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    await session.run(feeds);
    rows += batch;
  }
  return { rate: rows / seconds, cpuPerRow: ((ownCpuSeconds() - cpuBefore) * 1e6) / rows };
}

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, max: sorted[sorted.length - 1]! };
};
const show = (values: number[], digits = 0, unit = '') => {
  const { min, median, max } = stats(values);
  return `median ${median.toFixed(digits)}${unit} (min ${min.toFixed(digits)}, max ${max.toFixed(digits)})`;
};

const MODELS = (process.env['BENCH_MODELS'] ?? '8;1024,1024').split(';').map((layers) => layers.split(',').map(Number));
/** The batching servers measured every round: `<thread>:<maxWaitMs>`, thread = where session.run runs (main | worker). */
const BATCHING = (process.env['BENCH_BATCHING'] ?? 'main:2,worker:2,worker:0').split(',').map((spec) => {
  const [thread, wait] = spec.split(':');
  return { name: spec, inferenceThread: thread as 'main' | 'worker', maxWaitMs: Number(wait ?? 2) };
});

async function main(): Promise<void> {
  for (const hiddenLayers of MODELS) {
    console.log(
      `\n== MLP with hidden layers [${hiddenLayers.join(', ')}]; batching servers (session.run thread:max wait ms) ${BATCHING.map((b) => b.name).join(', ')}`,
    );
    await benchModel(hiddenLayers);
  }
}

interface ModeResults {
  served: number[];
  bare: number[];
  ratio: number[];
  batch: number[];
  /** served ÷ the HTTP floor's requests/s in the same round. */
  ofFloor: number[];
  cpu: CpuPerRequest[];
  /** The bare loop's CPU µs per row. */
  bareCpu: number[];
  /** cpuCeiling ÷ the bare loop's rows per CPU second: the ratio this CPU cost allows with the machine's cores to itself. */
  ceiling: number[];
  /** Cores the generator and the server used together during the run. */
  coresUsed: number[];
}

async function benchModel(hiddenLayers: number[]): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'reproml-bench-serve-'));
  const servers: Server[] = [];
  try {
    const { modelFiles } = await createServedModelFixture(root, { hiddenLayers });
    const registryDir = join(root, 'registry');
    const batching = new Map<string, Server>();
    for (const { name, inferenceThread, maxWaitMs } of BATCHING) {
      const server = await startServer(registryDir, { maxBatchSize: 64, maxWaitMs, inferenceThread });
      batching.set(name, server);
      servers.push(server);
    }
    const unbatched = await startServer(registryDir, { maxBatchSize: 1, inferenceThread: 'main' });
    const floor = await startChild([join(__dirname, 'floor-server.ts')]);
    servers.push(unbatched, floor);
    const model = await loadModel({ path: modelFiles[1], threads: 1 });
    const rows = fixtureRows(64, 5);
    const table: Table = {
      rowCount: rows.length,
      columns: [
        { name: 'x0', kind: 'number', values: Float64Array.from(rows, (row) => row.x0) },
        { name: 'x1', kind: 'number', values: Float64Array.from(rows, (row) => row.x1) },
        { name: 'tag', kind: 'string', values: rows.map((row) => row.tag) },
      ],
    };
    // Warm-up (JIT, onnxruntime's first runs) as long as a measurement.
    for (const server of batching.values()) await load(server.url, { connections: CLIENTS });
    await load(unbatched.url, { connections: 16, duration: 2 });
    await load(floor.url, { connections: CLIENTS, duration: 2 });

    const modes = new Map<string, ModeResults>(
      BATCHING.map(({ name }) => [name, { served: [], bare: [], ratio: [], batch: [], ofFloor: [], cpu: [], bareCpu: [], ceiling: [], coresUsed: [] }]),
    );
    const floors: number[] = [];
    const floorCpu: CpuPerRequest[] = [];
    const ceilings: number[] = [];
    /** The HTTP floor's CPU per request plus the bare loop's per row, as a ratio of the bare loop. */
    const idealCeilings: number[] = [];
    const p99Batched: number[] = [];
    const p99Unbatched: number[] = [];
    let failures = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const line: string[] = [];
      const floorRun = await measuredLoad(floor, { connections: CLIENTS });
      const floorRate = floorRun.result.requests.average;
      floors.push(floorRate);
      if (floorRun.cpu) floorCpu.push(floorRun.cpu);
      for (const [mode, server] of batching) {
        const before = await batchStats(server.url);
        const { result: throughput, cpu } = await measuredLoad(server, { connections: CLIENTS });
        const after = await batchStats(server.url);
        const meanBatch = (after.rows - before.rows) / Math.max(1, after.runs - before.runs);
        const served = throughput.requests.average;
        const { rate: bare, cpuPerRow: bareCpuPerRow } = await bareLoop(model.session, table, Math.max(1, Math.round(meanBatch)), SECONDS);
        failures += throughput.non2xx + throughput.errors;
        const results = modes.get(mode)!;
        results.served.push(served);
        results.bare.push(bare);
        results.ratio.push(served / bare);
        results.batch.push(meanBatch);
        results.ofFloor.push(served / floorRate);
        if (cpu) {
          results.cpu.push(cpu);
          results.bareCpu.push(bareCpuPerRow);
          results.ceiling.push((cpuCeiling(cpu) * bareCpuPerRow) / 1e6);
          results.coresUsed.push(((cpu.generator + cpu.main + cpu.other) * served) / 1e6);
        }
        if (mode === BATCHING[0]!.name) {
          ceilings.push(floorRate / bare);
          if (floorRun.cpu) idealCeilings.push((idealCeiling(floorRun.cpu, bareCpuPerRow) * bareCpuPerRow) / 1e6);
        }
        line.push(
          `${mode}: served ${served.toFixed(0)} rows/s (mean batch ${meanBatch.toFixed(1)}), bare ${bare.toFixed(0)} → ${(served / bare).toFixed(2)}×${cpu ? `, CPU-bound ceiling ${results.ceiling.at(-1)!.toFixed(2)}×, ${results.coresUsed.at(-1)!.toFixed(2)} cores used` : ''}`,
        );
      }
      p99Batched.push((await load(batching.get(BATCHING[0]!.name)!.url, { connections: 16, overallRate: RATE })).latency.p99);
      p99Unbatched.push((await load(unbatched.url, { connections: 16, overallRate: RATE })).latency.p99);
      console.log(
        `round ${round}: HTTP floor ${floorRate.toFixed(0)} req/s; ${line.join('; ')}; p99 at ${RATE} req/s: batched ${p99Batched.at(-1)} ms, unbatched ${p99Unbatched.at(-1)} ms`,
      );
    }
    console.log(`${ROUNDS} interleaved rounds of ${SECONDS} s, one onnxruntime thread each side, 127.0.0.1:`);
    console.log(
      `  HTTP floor (plain node:http, JSON in and out, no model), ${CLIENTS} clients: ${show(floors)} req/s; as a ratio of the bare loop: ${show(ceilings, 2, '×')} (the ceiling of any 1-row-per-request server here)`,
    );
    if (floorCpu.length) {
      console.log(`    CPU: ${showCpu(floorCpu, 'request')}`);
      console.log(
        `    a server at the floor's CPU per request with inference off its event loop at the bare loop's CPU per row, ${CORES} cores to it and the generator alone: ${show(idealCeilings, 2, '×')} the bare loop (batching ${BATCHING[0]!.name}'s batch size)`,
      );
    }
    for (const [mode, results] of modes) {
      console.log(
        `  batching ${mode} (session.run thread:max wait ms), ${CLIENTS} clients, 1 row/request: served ${show(results.served)} rows/s; bare session.run at the same batch size ${show(results.bare)} rows/s`,
      );
      console.log(
        `    ratio served / bare: ${show(results.ratio, 2, '×')} (goal ≥ 0.7×); served / HTTP floor: ${show(results.ofFloor, 2, '×')}; mean batch ${show(results.batch, 1)} rows`,
      );
      if (results.cpu.length) {
        console.log(`    CPU: ${showCpu(results.cpu, 'request')}; bare loop ${show(results.bareCpu, 1)} µs per row`);
        console.log(
          `    CPU-bound ceiling (${CORES} cores to the generator and the server alone) ÷ bare (its rows per CPU second): ${show(results.ceiling, 2, '×')}; cores used: ${show(results.coresUsed, 2)}`,
        );
      }
    }
    console.log(`  non-2xx + errors under load: ${failures}`);
    console.log(
      `  p99 latency, single-row requests at ${RATE} req/s (batching ${BATCHING[0]!.name}): batching ${show(p99Batched, 1, ' ms')}, no batching ${show(p99Unbatched, 1, ' ms')}`,
    );
    console.log(
      `  p99 ratio batching / no batching: ${show(
        p99Batched.map((value, index) => value / p99Unbatched[index]!),
        2,
        '×',
      )}`,
    );
    await model.release();
  } finally {
    for (const server of servers) server.child.kill('SIGTERM');
    await rm(root, { recursive: true, force: true });
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
