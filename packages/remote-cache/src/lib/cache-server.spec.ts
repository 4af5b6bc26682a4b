import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessLogEntry } from './access-log';
import { type CacheServer, defaultRequestTimeoutMs, startCacheServer } from './cache-server';

const WRITER = 'rw-token-0123456789abcdef';
const READER = 'ro-token-0123456789abcdef';
const TOKENS = [
  { name: 'ci-main', token: WRITER, scope: 'read-write' as const },
  { name: 'ci-pull-requests', token: READER, scope: 'read-only' as const },
];

describe('startCacheServer (Nx self-hosted remote cache protocol)', () => {
  let dir: string;
  let server: CacheServer;
  let log: AccessLogEntry[];

  let alerts: unknown[];
  const start = async (extra: { maxBytes?: number; maxRecordBytes?: number; requestTimeoutMs?: number; readOnlyRetryMs?: number } = {}) => {
    // Each server logs into the array of its own test (a request can finish logging after its response arrived).
    const entries = log;
    const told = alerts;
    server = await startCacheServer({ dir, tokens: TOKENS, log: (entry) => entries.push(entry), alert: (event) => told.push(event), ...extra });
    return server;
  };
  const put = (hash: string, body: Uint8Array | ReadableStream<Uint8Array>, token = WRITER) =>
    fetch(`${server.url}/v1/cache/${hash}`, {
      method: 'PUT',
      body,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
      duplex: 'half',
    } as RequestInit);
  const get = (hash: string, token: string | null = READER) =>
    fetch(`${server.url}/v1/cache/${hash}`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'reproml-cache-server-'));
    log = [];
    alerts = [];
  });
  afterEach(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores with 200, serves the same bytes, answers 404 for unknown hashes and 409 for a second PUT', async () => {
    await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await get('1001')).status).toBe(404);
    const stored = await put('1001', Buffer.from('tar bytes'));
    expect(stored.status).toBe(200);
    const hit = await get('1001');
    expect(hit.status).toBe(200);
    expect(hit.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await hit.arrayBuffer()).toString()).toBe('tar bytes');
    expect((await put('1001', Buffer.from('other bytes'))).status).toBe(409);
    expect(Buffer.from(await (await get('1001')).arrayBuffer()).toString()).toBe('tar bytes');
  });

  it('rejects a missing or wrong token with 401 text/plain (what Nx shows the user), and never logs a token', async () => {
    await start();
    const missing = await get('1001', null);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toBe('text/plain');
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await get('1001', 'wrong-token-0123456789')).status).toBe(401);
    expect((await put('1001', Buffer.from('x'), 'wrong-token-0123456789')).status).toBe(401);
    expect(await server.storage.has('1001')).toBe(false);
    await put('1002', Buffer.from('x'));
    const logged = JSON.stringify(log);
    for (const token of [WRITER, READER, 'wrong-token-0123456789']) expect(logged).not.toContain(token);
    expect(log.map((entry) => [entry.method, entry.status, entry.outcome, entry.client])).toEqual([
      ['GET', 401, 'unauthorized', undefined],
      ['GET', 401, 'unauthorized', undefined],
      ['PUT', 401, 'unauthorized', undefined],
      ['PUT', 200, 'stored', 'ci-main'],
    ]);
    expect(log[3]).toMatchObject({ hash: '1002', bytesIn: 1, path: '/v1/cache/1002' });
  });

  it('lets a read-only token read but answers its PUT with 403 and stores nothing', async () => {
    await start();
    await put('2001', Buffer.from('from main'));
    expect((await get('2001', READER)).status).toBe(200);
    expect((await put('2002', Buffer.from('from a fork'), READER)).status).toBe(403);
    expect(await server.storage.has('2002')).toBe(false);
  });

  it('answers 413 to uploads over the record limit, declared or streamed, and keeps nothing of them', async () => {
    await start({ maxRecordBytes: 1000 });
    expect((await put('3001', Buffer.alloc(1001))).status).toBe(413);
    const streamed = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(400));
        controller.close();
      },
    });
    expect((await put('3002', streamed)).status).toBe(413);
    expect((await put('3003', Buffer.alloc(1000))).status).toBe(200);
    expect(server.storage.stats().records).toBe(1);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('stores one record when many PUTs of one hash arrive at once: one 200, the rest 409', async () => {
    await start();
    const bodies = Array.from({ length: 6 }, (_, i) => Buffer.alloc(256 * 1024, i + 1));
    const statuses = await Promise.all(bodies.map(async (body) => (await put('4001', body)).status));
    expect(statuses.sort()).toEqual([200, 409, 409, 409, 409, 409]);
    const served = Buffer.from(await (await get('4001')).arrayBuffer());
    expect(bodies.some((body) => body.equals(served))).toBe(true);
    expect(server.storage.stats()).toMatchObject({ records: 1, bytes: 256 * 1024 });
  });

  it('answers 404 for a record corrupted on disk and moves it to quarantine', async () => {
    await start();
    await put('5001', Buffer.from('the real archive'));
    writeFileSync(join(dir, 'records', '50', '5001', 'body'), 'the fake archive');
    expect((await get('5001')).status).toBe(404);
    expect(log.at(-1)).toMatchObject({ status: 404, outcome: 'corrupt' });
    expect(readdirSync(join(dir, 'quarantine'))).toHaveLength(1);
    expect((await put('5001', Buffer.from('the real archive'))).status).toBe(200);
  });

  it('keeps every record across a restart', async () => {
    await start();
    for (const hash of ['6001', '6002', '6003']) await put(hash, Buffer.from(`record ${hash}`));
    await server.close();
    await start();
    for (const hash of ['6001', '6002', '6003']) {
      expect(Buffer.from(await (await get(hash)).arrayBuffer()).toString()).toBe(`record ${hash}`);
    }
  });

  it('evicts least recently used records beyond the size limit', async () => {
    await start({ maxBytes: 250, maxRecordBytes: 100 });
    await put('7001', Buffer.alloc(100));
    await put('7002', Buffer.alloc(100));
    await get('7001');
    await put('7003', Buffer.alloc(100));
    expect(log.at(-1)).toMatchObject({ outcome: 'stored', evicted: ['7002'] });
    expect((await get('7002')).status).toBe(404);
    expect((await get('7001')).status).toBe(200);
  });

  it('refuses a record limit above the storage limit', async () => {
    await expect(startCacheServer({ dir, tokens: TOKENS, maxBytes: 1000, maxRecordBytes: 2000 })).rejects.toThrow(/larger than maxBytes/);
  });

  it('serves a health endpoint without a token, and refuses bad paths and methods', async () => {
    await start();
    await put('8001', Buffer.from('abc'));
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', readable: true, writable: true, records: 1, bytes: 3, maxBytes: 10 * 1024 ** 3 });
    expect((await get('..%2F..%2Fetc')).status).toBe(400);
    expect((await fetch(`${server.url}/v1/cache/8001`, { method: 'DELETE', headers: { Authorization: `Bearer ${WRITER}` } })).status).toBe(405);
    expect((await fetch(`${server.url}/v2/other`)).status).toBe(404);
  });

  it('degrades to read-only when its storage folder is deleted (health 503, PUT 403) and recovers when it is back', async () => {
    await start({ readOnlyRetryMs: 300 });
    expect((await put('9001', Buffer.from('before'))).status).toBe(200);
    rmSync(dir, { recursive: true, force: true });
    const down = await fetch(`${server.url}/health`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'unavailable', readable: false, writable: false, records: 0 });
    expect((await get('9001')).status).toBe(404);
    expect((await put('9002', Buffer.from('during'))).status).toBe(403);
    expect(alerts).toEqual([expect.objectContaining({ event: 'storage-read-only' })]);

    mkdirSync(dir);
    // Within the retry interval the disk is not tried again; after it, one trial PUT is.
    expect((await put('9003', Buffer.from('too early'))).status).toBe(403);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await put('9004', Buffer.from('after'))).status).toBe(200);
    expect(alerts.at(-1)).toMatchObject({ event: 'storage-writable' });
    const up = await fetch(`${server.url}/health`);
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({ status: 'ok', records: 1 });
    expect(log.filter((entry) => entry.method === 'PUT').map((entry) => [entry.status, entry.outcome])).toEqual([
      [200, 'stored'],
      [403, 'read-only'],
      [403, 'read-only'],
      [200, 'stored'],
    ]);
  });

  it('lets the request timeout follow the record limit (Node cuts at 300 s by default), or takes it from the options', async () => {
    expect(defaultRequestTimeoutMs(1024 ** 3)).toBe(1_084_000);
    expect(defaultRequestTimeoutMs(1024 ** 2)).toBe(300_000);
    await start({ maxBytes: 2 * 1024 ** 3 });
    expect(server.requestTimeoutMs).toBe(1_084_000);
    await server.close();
    await start({ requestTimeoutMs: 600 });
    expect(server.requestTimeoutMs).toBe(600);
    // An upload slower than the timeout is cut (408 or a closed connection); one that fits is stored.
    const slowBody = (ms: number) =>
      new ReadableStream<Uint8Array>({
        async start(controller) {
          for (let i = 0; i < 4; i++) {
            controller.enqueue(new Uint8Array(1000).fill(i));
            await new Promise((resolve) => setTimeout(resolve, ms / 4));
          }
          controller.close();
        },
      });
    const cut = await put('9101', slowBody(1500)).then(
      (response) => response.status,
      () => 'closed',
    );
    expect([408, 'closed']).toContain(cut);
    expect(await server.storage.has('9101')).toBe(false);
    expect((await put('9102', slowBody(200))).status).toBe(200);
  });
});
