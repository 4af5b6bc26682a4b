import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileModelRegistry } from '@reproml/hub';
import { formatOutput, loadModel, predictFile } from '@reproml/onnx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServedModelFixture, FIXTURE_MODEL, type FixtureRow, fixtureRows } from '../testing/served-model-fixture';
import { type InferenceServer, startInferenceServer } from './inference-server';
import { registryModelSource } from './registry-model-source';
import type { ServeOptionsInput } from './serve-options';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions
type Json = any;

/** Real HTTP (fetch and raw sockets) against a server on 127.0.0.1 serving real trained models from a folder registry. */
let root: string;
let registry: FileModelRegistry;
let modelFiles: Record<1 | 2, string>;
const servers: InferenceServer[] = [];

async function serve(options: ServeOptionsInput = {}, selector = 'production'): Promise<InferenceServer> {
  const server = await startInferenceServer({
    source: registryModelSource({ registry, name: FIXTURE_MODEL, selector }),
    options: { port: 0, ...options },
  });
  servers.push(server);
  return server;
}

const record = (row: FixtureRow) => ({ x0: Number.isNaN(row.x0) ? null : row.x0, x1: row.x1, tag: row.tag });
const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
async function postJson(url: string, body: unknown): Promise<{ status: number; json: Json }> {
  const response = await post(url, body);
  return { status: response.status, json: await response.json() };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'reproml-serve-'));
  ({ registry, modelFiles } = await createServedModelFixture(root));
});
afterAll(async () => {
  for (const server of servers) await server.drain();
  await rm(root, { recursive: true, force: true });
});

describe('inference server', () => {
  let server: InferenceServer;
  beforeAll(async () => {
    server = await serve({ maxBodyBytes: 64 * 1024 });
  });

  it('answers the JSON-rows and OIP endpoints with exactly what the predict stage writes for the same rows', async () => {
    const rows = fixtureRows(60, 9);
    const csv = join(root, 'rows.csv');
    await writeFile(csv, `x0,x1,tag\n${rows.map((row) => [Number.isNaN(row.x0) ? '' : row.x0, row.x1, row.tag].join(',')).join('\n')}\n`);
    const model = await loadModel({ path: modelFiles[1] });
    await predictFile({ model, input: { path: csv, file: 'rows.csv' }, outputPath: join(root, 'predictions.csv'), batchSize: 7 });
    await model.release();
    const expected = (await readFile(join(root, 'predictions.csv'), 'utf8')).trim().split('\n');
    expect(expected[0]).toBe('row,label,probability_adelie,probability_chinstrap,probability_gentoo');

    const { status, json } = await postJson(`${server.url}/predict`, { rows: rows.map(record) });
    expect(status).toBe(200);
    expect(json).toMatchObject({ model: FIXTURE_MODEL, version: 1, fingerprint: (await registry.getVersion(FIXTURE_MODEL, 1)).fingerprint });
    const served = json.predictions.map((prediction: Record<string, string | number>, index: number) =>
      [index + 1, prediction['label'], ...['adelie', 'chinstrap', 'gentoo'].map((name) => formatOutput(prediction[`probability_${name}`] as number))].join(','),
    );
    expect(served).toEqual(expected.slice(1));

    const infer = await postJson(`${server.url}/v2/models/${FIXTURE_MODEL}/infer`, {
      id: 'req-1',
      inputs: [
        { name: 'x0', shape: [rows.length], datatype: 'FP64', data: rows.map((row) => (Number.isNaN(row.x0) ? null : row.x0)) },
        { name: 'x1', shape: [rows.length, 1], datatype: 'FP32', data: rows.map((row) => [row.x1]) },
        { name: 'tag', shape: [rows.length], datatype: 'BYTES', data: rows.map((row) => row.tag) },
      ],
    });
    expect(infer.status).toBe(200);
    expect(infer.json).toMatchObject({ model_name: FIXTURE_MODEL, model_version: '1', id: 'req-1' });
    const [label, probabilities] = infer.json.outputs;
    expect(label).toMatchObject({ name: 'label', datatype: 'BYTES', shape: [60] });
    expect(probabilities).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [60, 3] });
    expect(label.data).toEqual(json.predictions.map((prediction: { label: string }) => prediction.label));
    expect(probabilities.data.slice(0, 3)).toEqual([
      json.predictions[0].probability_adelie,
      json.predictions[0].probability_chinstrap,
      json.predictions[0].probability_gentoo,
    ]);
  });

  it('serves health, server and model metadata (version, fingerprint, signature) and Prometheus metrics', async () => {
    expect((await (await fetch(`${server.url}/v2/health/live`)).json()) as Json).toEqual({ live: true });
    expect((await (await fetch(`${server.url}/v2/health/ready`)).json()) as Json).toEqual({ ready: true });
    expect(((await (await fetch(`${server.url}/v2/models/${FIXTURE_MODEL}/ready`)).json()) as Json).ready).toBe(true);
    expect((await (await fetch(`${server.url}/v2`)).json()) as Json).toMatchObject({ name: 'reproml', extensions: [] });
    const metadata = (await (await fetch(`${server.url}/v2/models/${FIXTURE_MODEL}/versions/1`)).json()) as Json;
    expect(metadata).toEqual({
      name: FIXTURE_MODEL,
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [
        { name: 'x0', datatype: 'FP32', shape: [-1, 1] },
        { name: 'x1', datatype: 'FP32', shape: [-1, 1] },
        { name: 'tag', datatype: 'BYTES', shape: [-1, 1] },
      ],
      outputs: [
        { name: 'label', datatype: 'BYTES', shape: [-1] },
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
      ],
      parameters: {
        version: 1,
        fingerprint: (await registry.getVersion(FIXTURE_MODEL, 1)).fingerprint,
        source: `${FIXTURE_MODEL}@production`,
        alias: 'production',
        task: 'classification',
        classes: ['adelie', 'chinstrap', 'gentoo'],
      },
    });
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await metrics.text();
    expect(text).toMatch(/^reproml_serve_requests_total\{route="predict",status="200"\} \d+$/m);
    expect(text).toMatch(/^reproml_serve_request_duration_seconds_bucket\{route="predict",le="\+Inf"\} \d+$/m);
    expect(text).toMatch(/^reproml_serve_batch_rows_count \d+$/m);
    expect(text).toContain(`reproml_serve_model_info{model="${FIXTURE_MODEL}",version="1",fingerprint="${metadata.parameters.fingerprint}"} 1`);
  });

  const x = { x0: 1, x1: 2, tag: 'p' };
  const tensor = (name: string, datatype: string, data: unknown[], shape: unknown = [data.length]) => ({ name, datatype, shape, data });
  const goodInputs = [tensor('x0', 'FP32', [1]), tensor('x1', 'FP32', [2]), tensor('tag', 'BYTES', ['p'])];
  it.each([
    ['malformed JSON', '/predict', '{"rows": [', 400, /not valid JSON/],
    ['an empty body', '/predict', '', 400, /body is empty/],
    ['a string', '/predict', '"rows"', 400, /should be \{"rows"/],
    ['no rows', '/predict', { rows: [] }, 400, /"rows" is empty/],
    ['a row that is an array', '/predict', { rows: [[1, 2, 'p']] }, 400, /rows\[0\] should be an object/],
    ['a misspelled column', '/predict', { rows: [x, { x0: 1, x1: 2, tga: 'p' }] }, 400, /rows\[1\] has no 'tag' \(did you mean 'tga'\?\)/],
    [
      'a string for a number',
      '/predict',
      { rows: [{ ...x, x0: '1.5' }] },
      400,
      /rows\[0\]: 'x0' should be a number or null \(missing\), got the string "1\.5"/,
    ],
    ['a boolean for a number', '/predict', { rows: [{ ...x, x1: true }] }, 400, /'x1' should be a number .* got boolean true/],
    ['a number for a string', '/predict', { rows: [{ ...x, tag: 7 }] }, 400, /'tag' should be a string or null \(missing\), got number 7/],
    ['an object for a string', '/predict', { rows: [{ ...x, tag: { a: 1 } }] }, 400, /got an object/],
    ['no inputs', `/v2/models/${FIXTURE_MODEL}/infer`, { rows: [x] }, 400, /"inputs" should be an array/],
    [
      'an unknown input',
      `/v2/models/${FIXTURE_MODEL}/infer`,
      { inputs: [...goodInputs, tensor('x2', 'FP32', [1])] },
      400,
      /no input 'x2' \(did you mean 'x0'\?\)/,
    ],
    ['a missing input', `/v2/models/${FIXTURE_MODEL}/infer`, { inputs: goodInputs.slice(0, 2) }, 400, /missing input\(s\): tag/],
    ['an input given twice', `/v2/models/${FIXTURE_MODEL}/infer`, { inputs: [...goodInputs, goodInputs[0]] }, 400, /'x0' is given twice/],
    [
      'BYTES for a number',
      `/v2/models/${FIXTURE_MODEL}/infer`,
      { inputs: [tensor('x0', 'BYTES', ['1']), ...goodInputs.slice(1)] },
      400,
      /'x0' has datatype "BYTES"; the model takes numbers/,
    ],
    [
      'FP32 for a string',
      `/v2/models/${FIXTURE_MODEL}/infer`,
      { inputs: [...goodInputs.slice(0, 2), tensor('tag', 'FP32', [1])] },
      400,
      /'tag' has datatype "FP32"; the model takes strings/,
    ],
    [
      'a 2-column shape',
      `/v2/models/${FIXTURE_MODEL}/infer`,
      { inputs: [tensor('x0', 'FP32', [1, 2], [1, 2]), ...goodInputs.slice(1)] },
      400,
      /shape \[1,2\]; each input is one column/,
    ],
    [
      'data that disagrees with the shape',
      `/v2/models/${FIXTURE_MODEL}/infer`,
      { inputs: [tensor('x0', 'FP32', [1, 2], [3]), ...goodInputs.slice(1)] },
      400,
      /2 value\(s\) in "data" but shape \[3\] says 3/,
    ],
    [
      'inputs with different row counts',
      `/v2/models/${FIXTURE_MODEL}/infer`,
      { inputs: [goodInputs[0], tensor('x1', 'FP32', [1, 2]), goodInputs[2]] },
      400,
      /'x1' has 2 row\(s\), the inputs before it 1/,
    ],
    [
      'a string in FP32 data',
      `/v2/models/${FIXTURE_MODEL}/infer`,
      { inputs: [tensor('x0', 'FP32', ['a']), ...goodInputs.slice(1)] },
      400,
      /input 'x0' data\[0\]: 'x0' should be a number/,
    ],
    [
      'an unknown output',
      `/v2/models/${FIXTURE_MODEL}/infer`,
      { inputs: goodInputs, outputs: [{ name: 'labels' }] },
      400,
      /outputs\[0\] names no output of the model: 'labels' \(did you mean 'label'\?\)/,
    ],
    ['another model', '/v2/models/penguins/infer', { inputs: goodInputs }, 404, /serves model 'species', not 'penguins'/],
    ['a version not loaded', `/v2/models/${FIXTURE_MODEL}/versions/2/infer`, { inputs: goodInputs }, 404, /version 2 is not loaded: species@production is v1/],
    ['an unknown path', '/v1/models/species:predict', { inputs: goodInputs }, 404, /no endpoint/],
  ])('refuses %s with the status and a message naming the problem', async (_what, path, body, status, message) => {
    const { status: got, json } = await postJson(`${server.url}${path}`, body);
    expect(got).toBe(status);
    expect(json.error).toMatch(message);
  });

  it('takes only the right method (405 with Allow) and keeps serving after every refusal', async () => {
    const response = await fetch(`${server.url}/v2/models/${FIXTURE_MODEL}/infer`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    const ok = await postJson(`${server.url}/v2/models/${FIXTURE_MODEL}/infer`, { inputs: goodInputs, outputs: [{ name: 'label' }] });
    expect(ok.status).toBe(200);
    expect(ok.json.outputs.map((output: { name: string }) => output.name)).toEqual(['label']);
  });

  it('refuses bodies over the limit with 413, declared or streamed, and keeps serving', async () => {
    const big = JSON.stringify({ rows: Array.from({ length: 3000 }, () => x) });
    expect(big.length).toBeGreaterThan(64 * 1024);
    const declared = await post(`${server.url}/predict`, big);
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as Json).error).toMatch(/larger than 65536 bytes/);
    const chunks = [big.slice(0, 40_000), big.slice(40_000)];
    const streamed = await fetch(`${server.url}/predict`, {
      method: 'POST',
      body: new ReadableStream({
        pull(controller) {
          const next = chunks.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(next));
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await postJson(`${server.url}/predict`, { rows: [x] })).status).toBe(200);
  });

  it('answers a client that sends its headers too slowly (slowloris) with 408 and closes it, while serving others', async () => {
    const slow = await serve({ headersTimeoutMs: 600, requestTimeoutMs: 1_000 });
    const started = Date.now();
    const answered = dripClient(slow.url, 'POST /predict HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n');
    expect((await postJson(`${slow.url}/predict`, { rows: [x] })).status).toBe(200);
    const received = await answered;
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await postJson(`${slow.url}/predict`, { rows: [x] })).status).toBe(200);
  });

  it('answers a client that sends its body too slowly with 408 once the request timeout passes', async () => {
    const slow = await serve({ headersTimeoutMs: 600, requestTimeoutMs: 1_000 });
    const started = Date.now();
    const received = await dripClient(
      slow.url,
      'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"rows": [',
      ' ',
    );
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await postJson(`${slow.url}/predict`, { rows: [x] })).status).toBe(200);
  });
});

describe('session.run in a worker thread', () => {
  it('gives the same predictions as on the main thread, and releases its worker on drain', async () => {
    const rows = fixtureRows(40, 13).map(record);
    const onMain = await serve({ inferenceThread: 'main' });
    const inWorker = await serve({ inferenceThread: 'worker', maxWaitMs: 5 });
    const main = await postJson(`${onMain.url}/predict`, { rows });
    const together = await Promise.all(rows.map(async (row) => (await postJson(`${inWorker.url}/predict`, { rows: [row] })).json.predictions[0]));
    expect(together).toEqual(main.json.predictions);
    const bad = await postJson(`${inWorker.url}/predict`, { rows: [{ x0: 'a', x1: 1, tag: 'p' }] });
    expect(bad.status).toBe(400);
    await inWorker.drain();
  });
});

describe('micro-batching and backpressure', () => {
  it('runs concurrent requests together in one session.run and gives each request its own rows back', async () => {
    const server = await serve({ maxBatchSize: 32, maxWaitMs: 25 });
    const rows = fixtureRows(64, 11).map(record);
    const alone = await Promise.all(rows.map(async (row) => (await postJson(`${server.url}/predict`, { rows: [row] })).json.predictions[0]));
    const before = runs(await (await fetch(`${server.url}/metrics`)).text());
    const together = await Promise.all(rows.map(async (row) => (await postJson(`${server.url}/predict`, { rows: [row] })).json.predictions[0]));
    const after = runs(await (await fetch(`${server.url}/metrics`)).text());
    expect(together).toEqual(alone);
    expect(after.rows - before.rows).toBe(64);
    // 64 concurrent single-row requests ran in far fewer than 64 runs, none over 32 rows.
    expect(after.count - before.count).toBeLessThan(32);
    expect(after.over32).toBe(0);
  });

  it('refuses requests beyond the in-flight limit with 429 and Retry-After, and serves the admitted ones', async () => {
    const server = await serve({ maxInFlight: 3, maxWaitMs: 300, maxBatchSize: 64 });
    const responses = await Promise.all(Array.from({ length: 12 }, () => post(`${server.url}/predict`, { rows: [{ x0: 1, x1: 2, tag: 'q' }] })));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(9);
    const refused = responses.find((response) => response.status === 429)!;
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as Json).error).toMatch(/limit of 3 requests in flight/);
    expect((await postJson(`${server.url}/predict`, { rows: [{ x0: 1, x1: 2, tag: 'q' }] })).status).toBe(200);
  });

  it('drains: admitted requests finish with 200, then new ones are refused and the sessions are released', async () => {
    const server = await serve({ maxWaitMs: 400 });
    const inFlight = Array.from({ length: 5 }, () => postJson(`${server.url}/predict`, { rows: [{ x0: 1, x1: 2, tag: 'q' }] }));
    await waitFor(() => server.admission.inFlight === 5);
    const drained = server.drain();
    const late = await post(`${server.url}/predict`, { rows: [{ x0: 1, x1: 2, tag: 'q' }] }).then(
      (response) => response.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(late);
    expect((await Promise.all(inFlight)).map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    await drained;
    await expect(fetch(`${server.url}/v2/health/live`)).rejects.toThrow();
  });
});

describe('following the alias', () => {
  it('a promote under load loads, warms and switches to the new version with no failed request; a rollback switches back', async () => {
    const server = await serve({ pollIntervalMs: 50 });
    const fingerprint = async (version: number) => (await registry.getVersion(FIXTURE_MODEL, version)).fingerprint;
    const load = startLoad(server.url, 8);
    await waitFor(() => load.versions.has(1));
    await registry.promote({ model: FIXTURE_MODEL, version: 2, alias: 'production', approval: { by: 'test', reason: 'candidate' } });
    await waitFor(() => load.versions.has(2));
    const afterPromote = load.total;
    await waitFor(() => load.total > afterPromote + 50);
    await registry.rollback({ model: FIXTURE_MODEL, alias: 'production', approval: { by: 'test', reason: 'incident' } });
    await waitFor(() => load.last === 1);
    const summary = await load.stop();
    expect(summary.failures, summary.errors.join('\n')).toBe(0);
    expect(summary.total).toBeGreaterThan(50);
    const metadata = (await (await fetch(`${server.url}/v2/models/${FIXTURE_MODEL}`)).json()) as Json;
    expect(metadata.parameters).toMatchObject({ version: 1, fingerprint: await fingerprint(1) });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(`reproml_serve_model_swaps_total{model="${FIXTURE_MODEL}"} 2`);
  });

  it('a version whose model file was tampered with is refused: the server keeps serving the current one', async () => {
    const server = await serve({ pollIntervalMs: 50 });
    const stored = join(registry.versionDir(FIXTURE_MODEL, 2), 'files', 'model.onnx');
    await copyFile(stored, `${stored}.orig`);
    await copyFile(modelFiles[1], stored);
    try {
      await registry.promote({ model: FIXTURE_MODEL, version: 2, alias: 'production', approval: { by: 'test', reason: 'tampered' } });
      await waitFor(async () =>
        (await (await fetch(`${server.url}/metrics`)).text()).includes('reproml_serve_model_swap_failures_total{model="species",version="2"} 1'),
      );
      const { status, json } = await postJson(`${server.url}/predict`, { rows: [{ x0: 1, x1: 2, tag: 'p' }] });
      expect(status).toBe(200);
      expect(json.version).toBe(1);
    } finally {
      await copyFile(`${stored}.orig`, stored);
      await registry.rollback({ model: FIXTURE_MODEL, alias: 'production', to: 1, approval: { by: 'test', reason: 'restore' } });
    }
  });

  it('refuses to start on a version the registry holds only on the Hub, saying how to get a local copy', async () => {
    const hubOnly = new FileModelRegistry(join(root, 'hub-only-registry'));
    const version = await registry.getVersion(FIXTURE_MODEL, 1);
    await hubOnly.register({
      version: {
        model: 'remote',
        fingerprint: version.fingerprint,
        artifact: version.artifact,
        files: version.files,
        metrics: {},
        gates: {},
        source: version.source,
      },
      location: {
        type: 'hub',
        hubUrl: 'https://hub.example',
        repo: 'acme/remote',
        branch: 'main',
        commit: 'c'.repeat(40),
        url: 'https://hub.example/acme/remote',
      },
      files: [],
    });
    await expect(
      startInferenceServer({ source: registryModelSource({ registry: hubOnly, name: 'remote', selector: '1' }), options: { port: 0 } }),
    ).rejects.toThrow(/remote v1 has no copy in the registry folder \(it was pushed to hub only\)/);
  });

  it('serves a pinned version number and never moves', async () => {
    const server = await serve({ pollIntervalMs: 50 }, '2');
    expect(server.host.source.follows).toBe(false);
    expect((await postJson(`${server.url}/predict`, { rows: [{ x0: 1, x1: 2, tag: 'p' }] })).json.version).toBe(2);
  });
});

function runs(metrics: string): { count: number; rows: number; over32: number } {
  const value = (pattern: RegExp) => Number(pattern.exec(metrics)?.[1] ?? 0);
  const count = value(/^reproml_serve_batch_rows_count (\d+)$/m);
  return { count, rows: value(/^reproml_serve_batch_rows_sum (\d+)$/m), over32: count - value(/^reproml_serve_batch_rows_bucket\{le="32"\} (\d+)$/m) };
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** `clients` loops posting one row each; counts responses by the version that answered and every non-2xx or network error. */
function startLoad(url: string, clients: number) {
  let running = true;
  const state = { total: 0, failures: 0, errors: [] as string[], versions: new Set<number>(), last: 0 };
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      try {
        const response = await post(`${url}/predict`, { rows: [{ x0: 0.5, x1: -1, tag: 'q' }] });
        const json = (await response.json()) as Json;
        if (response.status !== 200) {
          state.failures++;
          state.errors.push(`${response.status} ${JSON.stringify(json)}`);
        } else {
          state.versions.add(json.version);
          state.last = json.version;
        }
      } catch (error) {
        state.failures++;
        state.errors.push(String(error));
      }
      state.total++;
    }
  });
  return Object.assign(state, {
    async stop() {
      running = false;
      await Promise.all(loops);
      return state;
    },
  });
}

/** A raw client that sends `opening`, then `drip` every 200 ms until the server closes the connection; resolves with what the server answered. */
function dripClient(url: string, opening: string, drip: string): Promise<string> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString();
  });
  socket.on('error', () => undefined);
  socket.write(opening);
  const timer = setInterval(() => socket.writable && socket.write(drip), 200);
  return new Promise((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve(received);
    }),
  );
}
