import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSystemStorage } from './filesystem-storage';

/**
 * Storage failures provoked for real, in a child process with a kernel limit: the tests run as
 * root, and root ignores file modes, but not resource limits. `ulimit -f 0` makes every write
 * of a byte to a file fail (EFBIG, a disk that takes nothing); `ulimit -n` runs out of file
 * descriptors (EMFILE).
 */
const PACKAGE_ROOT = resolve(__dirname, '..', '..');
const BIN = join(PACKAGE_ROOT, 'bin', 'reproml-cache.js');
const WRITER = 'rw-token-0123456789abcdef';
const auth = { Authorization: `Bearer ${WRITER}` };

async function* chunks(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

interface LimitedServer {
  url: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
}

/** The real bin under `ulimit <limit>`; its logs go to pipes (a file would be refused too). */
async function startLimited(dir: string, limit: string): Promise<LimitedServer> {
  const child = spawn('sh', ['-c', `ulimit ${limit} && exec "$0" "$1" --dir "$2" --port 0`, process.execPath, BIN, dir], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, REPROML_CACHE_READ_WRITE_TOKENS: WRITER },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const deadline = Date.now() + 30_000;
  while (!stdout.includes('\n')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`reproml-cache did not start:\n${stderr}`);
    await new Promise((done) => setTimeout(done, 25));
  }
  return { url: JSON.parse(stdout.split('\n')[0]!).url, child, stdout: () => stdout, stderr: () => stderr };
}

/** The access log's PUT lines, once `count` of them arrived (a line is written after its response). */
async function loggedPuts(server: LimitedServer, count: number): Promise<Array<Record<string, unknown>>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const puts = server
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{"time"'))
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.method === 'PUT');
    if (puts.length >= count || Date.now() > deadline) return puts;
    await new Promise((done) => setTimeout(done, 25));
  }
}

describe('storage failures the kernel really reports', () => {
  let dir: string;
  let server: LimitedServer | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'reproml-cache-limits-'));
  });
  afterEach(() => {
    server?.child.kill();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('a disk that takes no byte: /health says read-only, hits are still served, every PUT is a 403 that Nx accepts', async () => {
    const before = await FileSystemStorage.open({ dir, maxBytes: 1 << 20 });
    await before.put('1001', chunks('an archive stored before the disk filled up'));
    await before.close();

    server = await startLimited(dir, '-f 0');
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(503);
    const body = (await health.json()) as { reason: string };
    expect(body).toMatchObject({ status: 'read-only', readable: true, writable: false, records: 1 });
    expect(body.reason).toContain('EFBIG');

    const hit = await fetch(`${server.url}/v1/cache/1001`, { headers: auth });
    expect(hit.status).toBe(200);
    expect(await hit.text()).toBe('an archive stored before the disk filled up');

    for (const hash of ['2001', '2002']) {
      const put = await fetch(`${server.url}/v1/cache/${hash}`, { method: 'PUT', body: Buffer.alloc(4096, 7), headers: auth });
      expect(put.status).toBe(403);
      expect(await put.text()).toMatch(/^not stored: the cache storage cannot take writes now/);
    }
    const puts = await loggedPuts(server, 2);
    expect(puts.map((entry) => [entry.status, entry.outcome])).toEqual([
      [403, 'read-only'],
      [403, 'read-only'],
    ]);
    // Logged loudly, once: a supervisor sees one error line on stderr, not one per upload.
    const alerts = server
      .stderr()
      .split('\n')
      .filter((line) => line.includes('"storage-read-only"'));
    expect(alerts).toHaveLength(1);
    expect(JSON.parse(alerts[0]!)).toMatchObject({ level: 'error', event: 'storage-read-only' });
    expect(readdirSync(join(dir, 'records'))).toEqual(['10']);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('a disk that fills up during an upload: the PUT is a 403, nothing half-written stays, the next PUTs are refused without writing', async () => {
    server = await startLimited(dir, '-f 8');
    // The probe (one byte) passes: this disk still takes small files.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const big = await fetch(`${server.url}/v1/cache/3001`, { method: 'PUT', body: Buffer.alloc(64 * 1024, 1), headers: auth });
    expect(big.status).toBe(403);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { reason: string }).reason).toContain('EFBIG');
    const small = await fetch(`${server.url}/v1/cache/3002`, { method: 'PUT', body: Buffer.from('tiny'), headers: auth });
    expect(small.status).toBe(403);
    expect((await loggedPuts(server, 2)).map((entry) => entry.outcome)).toEqual(['not-stored', 'read-only']);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
    expect(readdirSync(join(dir, 'records'))).toEqual([]);
  });

  it('running out of file descriptors while reading a record keeps the record (no quarantine)', async () => {
    const storage = await FileSystemStorage.open({ dir, maxBytes: 1 << 20 });
    await storage.put('4001', chunks('an intact archive'));
    await storage.close();
    const script = `
      require('@swc-node/register');
      const { openSync, closeSync } = require('node:fs');
      const { FileSystemStorage } = require(${JSON.stringify(join(__dirname, 'filesystem-storage.ts'))});
      (async () => {
        const storage = await FileSystemStorage.open({ dir: ${JSON.stringify(dir)}, maxBytes: 1 << 20 });
        const held = [];
        try { for (;;) held.push(openSync('/dev/null', 'r')); } catch (error) { if (error.code !== 'EMFILE') throw error; }
        const starved = await storage.get('4001');
        for (const fd of held) closeSync(fd);
        const again = await storage.get('4001');
        let text = '';
        if (again.status === 'hit') for await (const chunk of again.body) text += chunk;
        process.stdout.write(JSON.stringify({ held: held.length, starved, again: again.status, text }));
      })().catch((error) => { console.error(error); process.exit(1); });`;
    const child = spawn('sh', ['-c', 'ulimit -n 200 && exec "$0" -e "$1"', process.execPath, script], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    const code = await new Promise((done) => child.on('exit', done));
    expect(code, err).toBe(0);
    const result = JSON.parse(out);
    expect(result.held).toBeGreaterThan(10);
    expect(result.starved.status).toBe('unavailable');
    expect(result.starved.reason).toContain('EMFILE');
    expect(result).toMatchObject({ again: 'hit', text: 'an intact archive' });
    expect(readdirSync(dir)).not.toContain('quarantine');
  });

  it('the server, out of file descriptors on a GET: a miss Nx accepts (404, not 503), an error line, the record kept and served once the machine recovers', async () => {
    // The request arrives on a keep-alive connection opened before the descriptors ran out.
    const script = `
      require('@swc-node/register');
      const http = require('node:http');
      const { openSync, closeSync } = require('node:fs');
      const { startCacheServer } = require(${JSON.stringify(join(__dirname, 'cache-server.ts'))});
      (async () => {
        const log = [];
        const alerts = [];
        const server = await startCacheServer({ dir: ${JSON.stringify(dir)}, tokens: [{ name: 'ci', token: ${JSON.stringify(WRITER)}, scope: 'read-write' }], log: (entry) => log.push(entry), alert: (event) => alerts.push(event) });
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const request = (method, body) => new Promise((resolve, reject) => {
          const call = http.request(server.url + '/v1/cache/5001', { method, agent, headers: { Authorization: 'Bearer ${WRITER}' } }, (response) => {
            let text = '';
            response.on('data', (chunk) => (text += chunk));
            response.on('end', () => resolve({ status: response.statusCode, text }));
          });
          call.on('error', reject);
          call.end(body);
        });
        const stored = await request('PUT', 'an intact archive');
        const held = [];
        try { for (;;) held.push(openSync('/dev/null', 'r')); } catch (error) { if (error.code !== 'EMFILE') throw error; }
        const starved = await request('GET');
        for (const fd of held) closeSync(fd);
        const again = await request('GET');
        // A request is logged once its response finished, which can be just after the client read it.
        for (let wait = 0; log.length < 3 && wait < 200; wait++) await new Promise((done) => setTimeout(done, 10));
        agent.destroy();
        await server.close();
        process.stdout.write(JSON.stringify({ held: held.length, stored, starved, again, alerts, outcomes: log.map((entry) => [entry.method, entry.status, entry.outcome]) }));
      })().catch((error) => { console.error(error); process.exit(1); });`;
    const child = spawn('sh', ['-c', 'ulimit -n 200 && exec "$0" -e "$1"', process.execPath, script], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    const code = await new Promise((done) => child.on('exit', done));
    expect(code, err).toBe(0);
    const result = JSON.parse(out);
    expect(result.held).toBeGreaterThan(10);
    expect(result.stored.status).toBe(200);
    expect(result.starved).toEqual({ status: 404, text: 'not found\n' });
    expect(result.alerts).toEqual([{ event: 'storage-read-failed', hash: '5001', reason: expect.stringContaining('EMFILE') }]);
    expect(result.again).toEqual({ status: 200, text: 'an intact archive' });
    expect(result.outcomes).toEqual([
      ['PUT', 200, 'stored'],
      ['GET', 404, 'unavailable'],
      ['GET', 200, 'hit'],
    ]);
    expect(readdirSync(dir)).not.toContain('quarantine');
  });
});
