import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFloat32 } from '../packages/onnx/src/lib/inference/format-float32';
import { reproml } from './support/reproml-cli';
import { type ServeProcess, startServe } from './support/serve-process';
import { REPO_ROOT, TempWorkspace } from './support/temp-workspace';

type Row = Record<string, string | number | null>;
interface Reply {
  status: number;
  body: string;
}

/**
 * `reproml serve` as users run it (the CLI process, real HTTP clients) on the penguins
 * pipeline's registry: predictions equal the predict stage's, bad requests and abusive
 * clients get the right status, a promote under load fails nothing, SIGTERM drains, and
 * logged traffic locked by the batch pull stage drives the drift stage.
 */
describe('reproml serve (real CLI process, real HTTP)', () => {
  let workspace: TempWorkspace;
  const env = { REPROML_REGISTRY_DIR: '' };
  const running: ServeProcess[] = [];
  const serve = async (args: string[]) => {
    const server = await startServe(workspace, args);
    running.push(server);
    return server;
  };
  const models = (args: string[]) => reproml(workspace, ['models', ...args]);

  beforeAll(() => {
    process.env.REPROML_REGISTRY_DIR = '';
    workspace = TempWorkspace.create({ label: 'serve', pipelines: ['penguins'] });
    workspace.nxOk(['run-many', '-t', 'run', '--projects', 'tag:pipeline:penguins', '--output-style=stream'], env);
    const promoted = models(['promote', 'penguins', '1', 'production', '--approved-by', 'alice', '--reason', 'first release']);
    if (promoted.status !== 0) throw new Error(promoted.stderr);
  });
  afterAll(async () => {
    for (const server of running) await server.stop('SIGKILL');
    workspace?.remove();
  });

  /** The batch stage's rows as JSON records typed by the served model's signature (metadata), empty cells as null. */
  async function batchRows(url: string): Promise<Row[]> {
    const metadata = (await (await fetch(`${url}/v2/models/penguins`)).json()) as { inputs: { name: string; datatype: string }[] };
    const [header, ...lines] = workspace.read('pipelines/penguins/batch/out/batch.csv').trim().split('\n');
    const names = header!.split(',');
    return lines.map((line) => {
      const cells = line.split(',');
      return Object.fromEntries(
        metadata.inputs.map(({ name, datatype }) => {
          const cell = cells[names.indexOf(name)] ?? '';
          return [name, cell === '' ? null : datatype === 'BYTES' ? cell : Number(cell)];
        }),
      );
    });
  }

  describe('one server', () => {
    let server: ServeProcess;
    beforeAll(async () => {
      server = await serve(['penguins@production', '--port', '0', '--poll-interval-ms', '200', '--max-body-bytes', '65536']);
    });

    it('answers with exactly the predict stage output for the same rows, on both endpoints, naming version and fingerprint', async () => {
      const rows = await batchRows(server.url);
      expect(rows).toHaveLength(80);
      const predictions = workspace.read('pipelines/penguins/predict/out/predictions.csv').trim().split('\n');
      const [header, ...expected] = predictions;
      const classes = header!
        .split(',')
        .slice(2)
        .map((column) => column.replace(/^probability_/, ''));
      const response = await post(server.url, '/predict', { rows });
      expect(response.status, response.body).toBe(200);
      const json = JSON.parse(response.body);
      const v1 = JSON.parse(models(['show', 'penguins', '1', '--json']).stdout);
      expect(json).toMatchObject({ model: 'penguins', version: 1, fingerprint: v1.fingerprint });
      const served = json.predictions.map((prediction: Record<string, string | number>, index: number) =>
        [index + 1, prediction['label'], ...classes.map((name) => predictedNumber(prediction[`probability_${name}`] as number))].join(','),
      );
      expect(served).toEqual(expected);

      const names = Object.keys(rows[0]!);
      const metadata = (await (await fetch(`${server.url}/v2/models/penguins`)).json()) as { inputs: { name: string; datatype: string }[] };
      const infer = await post(server.url, '/v2/models/penguins/infer', {
        inputs: metadata.inputs.map(({ name, datatype }) => ({ name, datatype, shape: [rows.length, 1], data: rows.map((row) => row[name]) })),
      });
      expect(infer.status, infer.body).toBe(200);
      const outputs = JSON.parse(infer.body).outputs;
      expect(outputs[0].data).toEqual(expected.map((line) => line.split(',')[1]));
      expect(names).toEqual(metadata.inputs.map((input) => input.name));
    });

    it('refuses malformed JSON, wrong types and shapes, oversize bodies and slow clients with the right status, and keeps serving', async () => {
      const [row] = await batchRows(server.url);
      const cases: [string, unknown, number, RegExp][] = [
        ['/predict', '{"rows": [{"Island": "Biscoe",', 400, /not valid JSON/],
        ['/predict', { rows: [{ ...row, 'Body Mass (g)': '4425' }] }, 400, /'Body Mass \(g\)' should be a number or null \(missing\), got the string "4425"/],
        ['/predict', { rows: [{ ...row, Island: 3 }] }, 400, /'Island' should be a string/],
        ['/predict', { rows: [{ ...row, Island: 'Anvers' }] }, 400, /column 'Island' holds values the model was not trained on: 'Anvers'/],
        ['/v2/models/penguins/infer', { inputs: [{ name: 'Island', datatype: 'BYTES', shape: [2, 3], data: ['Biscoe'] }] }, 400, /shape \[2,3\]/],
        ['/predict', { rows: Array.from({ length: 1000 }, () => row) }, 413, /larger than 65536 bytes/],
      ];
      for (const [path, body, status, message] of cases) {
        const reply = await post(server.url, path, body);
        expect(reply.status, `${path} ${JSON.stringify(body).slice(0, 80)}: ${reply.body}`).toBe(status);
        expect(JSON.parse(reply.body).error).toMatch(message);
      }
      // Three slowloris clients against a server with a 1 s header timeout: headers dripped one line every 300 ms, never finished.
      const strict = await serve(['penguins@production', '--port', '0', '--headers-timeout-ms', '1000', '--request-timeout-ms', '2000']);
      const slow = await Promise.all([0, 1, 2].map(() => slowClient(strict.url)));
      for (const response of slow) expect(response).toMatch(/^HTTP\/1\.1 408/);
      expect((await post(strict.url, '/predict', { rows: [row] })).status).toBe(200);
      expect(await strict.stop('SIGTERM')).toBe(0);
      expect((await post(server.url, '/predict', { rows: [row] })).status).toBe(200);
    });

    it('1000 concurrent connections each get 200 (or 429 beyond the in-flight limit), and the server stays up', async () => {
      // Its own server: generous header timeouts (the loaded test machine may take seconds to accept 1000 connections), 256 in flight.
      const server = await serve([
        'penguins@production',
        '--port',
        '0',
        '--max-in-flight',
        '256',
        '--headers-timeout-ms',
        '60000',
        '--request-timeout-ms',
        '60000',
      ]);
      const rows = await batchRows(server.url);
      const replies = await Promise.all(Array.from({ length: 1000 }, (_, index) => postNewConnection(server.url, { rows: [rows[index % rows.length]] })));
      const counts = countBy(replies.map((reply) => String(reply.status)));
      console.info(`1000 concurrent connections: ${JSON.stringify(counts)}`);
      expect(
        Object.keys(counts).every((status) => status === '200' || status === '429'),
        JSON.stringify(counts),
      ).toBe(true);
      expect(counts['200']).toBeGreaterThan(0);
      expect((await fetch(`${server.url}/v2/health/live`)).status).toBe(200);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/^reproml_serve_in_flight_requests 0$/m);
      expect(server.child.exitCode).toBeNull();
      expect(await server.stop('SIGTERM')).toBe(0);
    });

    it('a promote under load switches to the new version with 0 non-2xx responses', async () => {
      const trainStage = JSON.parse(workspace.read('pipelines/penguins/train/stage.json'));
      workspace.write('pipelines/penguins/train/stage.json', { ...trainStage, seed: 7 });
      workspace.commitAll('train with seed 7');
      // Async, so this process's event loop (and its HTTP client's connection pool) keeps running during the push.
      const pushed = await workspace.nxAsync(['run', 'penguins-push:run', '--output-style=stream'], env);
      expect(pushed.status, pushed.output).toBe(0);
      expect(pushed.output).toMatch(/pushed penguins v2/);
      const rows = await batchRows(server.url);
      const load = startLoad(server.url, rows, 16);
      await waitFor(() => load.byVersion.get(1)! > 50);
      const promoted = models(['promote', 'penguins', '2', 'production', '--approved-by', 'alice', '--reason', 'seed 7 candidate']);
      expect(promoted.status, promoted.stderr).toBe(0);
      await waitFor(() => (load.byVersion.get(2) ?? 0) > 200);
      const result = await load.stop();
      console.info(
        `promote under load: ${result.total} requests, by version ${JSON.stringify(Object.fromEntries(result.byVersion))}, non-2xx ${result.failures}`,
      );
      expect(result.failures, result.errors.slice(0, 5).join('\n')).toBe(0);
      expect(server.output()).toMatch(/penguins@production moved: now serving v2 \(was v1/);
      const metadata = (await (await fetch(`${server.url}/v2/models/penguins`)).json()) as { parameters: { version: number; fingerprint: string } };
      const v2 = JSON.parse(models(['show', 'penguins', '2', '--json']).stdout);
      expect(metadata.parameters).toMatchObject({ version: 2, fingerprint: v2.fingerprint });
    });

    it('SIGTERM finishes the requests in flight, then exits 0', async () => {
      const drainServer = await serve(['penguins@production', '--port', '0', '--max-wait-ms', '1500', '--max-batch-size', '1000']);
      const rows = await batchRows(drainServer.url);
      const inFlight = Array.from({ length: 20 }, (_, index) => post(drainServer.url, '/predict', { rows: [rows[index]] }));
      await waitFor(async () => /^reproml_serve_in_flight_requests 20$/m.test(await (await fetch(`${drainServer.url}/metrics`)).text()));
      const exit = drainServer.stop('SIGTERM');
      const replies = await Promise.all(inFlight);
      expect(replies.map((reply) => reply.status)).toEqual(Array(20).fill(200));
      expect(await exit).toBe(0);
      expect(drainServer.output()).toMatch(/SIGTERM: draining \(20 request\(s\) in flight\)…\nstopped/);
    });
  });

  it('logged traffic, locked by the batch pull stage, drives the drift stage: a same-distribution day is ok, a heavier-birds day alerts', async () => {
    const batchStage = JSON.parse(workspace.read('pipelines/penguins/batch/stage.json'));
    workspace.write('pipelines/penguins/batch/stage.json', { ...batchStage, files: { batch: { source: 'serving/penguins/latest.jsonl' } } });
    const day = async (rows: Row[]) => {
      const server = await serve(['penguins@production', '--port', '0', '--log-dir', 'serving/penguins']);
      for (let start = 0; start < rows.length; start += 10)
        expect((await post(server.url, '/predict', { rows: rows.slice(start, start + 10) })).status).toBe(200);
      expect(await server.stop('SIGTERM')).toBe(0);
      const logged = workspace.read('serving/penguins/latest.jsonl').trim().split('\n');
      expect(logged).toHaveLength(rows.length);
      expect(JSON.parse(logged[0]!)).toMatchObject({ ...rows[0], reproml_model_version: 2, label: expect.any(String) });
      workspace.nxOk(['run', 'penguins-batch:lock'], env);
      workspace.nxOk(['run', 'penguins-drift:run', '--output-style=stream'], env);
      return JSON.parse(workspace.read('pipelines/penguins/drift/out/drift.json'));
    };
    const sameDistribution = JSON.parse(penguinsBatch(['--seed', '2024', '--rows', '80', '--format', 'json'])) as Row[];
    const ok = await day(sameDistribution.map(nullMissing));
    expect(ok).toMatchObject({ verdict: 'ok', alerts: [], batch: { file: 'penguins-batch/out/batch.jsonl', rows: 80 } });

    const heavier = JSON.parse(penguinsBatch(['--seed', '11', '--rows', '100', '--mass-scale', '1.25', '--format', 'json'])) as Row[];
    const alert = await day(heavier.map(nullMissing));
    expect(alert.verdict).toBe('alert');
    expect(alert.alerts).toContain('Body Mass (g)');
    expect(alert.batch).toMatchObject({ file: 'penguins-batch/out/batch.jsonl', rows: 100 });
    expect(JSON.parse(workspace.read('pipelines/penguins/batch/stage.lock.json'))).toMatchObject({
      files: { batch: { source: 'serving/penguins/latest.jsonl' } },
    });
  });
});

function nullMissing(row: Row): Row {
  return Object.fromEntries(Object.entries(row).map(([name, value]) => [name, value === '' || value === undefined ? null : value]));
}

function penguinsBatch(args: string[]): string {
  return execFileSync(process.execPath, [join(REPO_ROOT, 'tools', 'penguins-batch.mjs'), ...args], { encoding: 'utf8' });
}

/** The predict stage's number format: the served float32 output as its shortest round-trip text. */
function predictedNumber(value: number): string {
  return formatFloat32(value);
}

async function post(url: string, path: string, body: unknown): Promise<Reply> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.text() };
}

/** One request on a connection of its own (no agent, no keep-alive). */
function postNewConnection(url: string, body: unknown): Promise<Reply> {
  const text = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(
      `${url}/predict`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } },
      (res) => {
        let received = '';
        res.on('data', (chunk) => {
          received += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: received }));
      },
    );
    req.on('error', (error) => resolve({ status: 0, body: String(error) }));
    req.end(text);
  });
}

/** Opens a connection and sends header lines slowly forever; resolves with what the server answered once it closes. */
function slowClient(url: string): Promise<string> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk;
  });
  socket.write('POST /predict HTTP/1.1\r\nHost: localhost\r\n');
  const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 300);
  return new Promise((resolve) => {
    socket.on('close', () => {
      clearInterval(drip);
      resolve(received);
    });
    socket.on('error', () => undefined);
  });
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `clients` loops posting one row each until stopped; counts answers by version and every non-2xx or network error. */
function startLoad(url: string, rows: Row[], clients: number) {
  let running = true;
  const state = { total: 0, failures: 0, errors: [] as string[], byVersion: new Map<number, number>() };
  const loops = Array.from({ length: clients }, async (_, client) => {
    for (let index = client; running; index += clients) {
      try {
        const reply = await post(url, '/predict', { rows: [rows[index % rows.length]] });
        if (reply.status !== 200) {
          state.failures++;
          state.errors.push(`${reply.status} ${reply.body}`);
        } else {
          const version = JSON.parse(reply.body).version as number;
          state.byVersion.set(version, (state.byVersion.get(version) ?? 0) + 1);
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
