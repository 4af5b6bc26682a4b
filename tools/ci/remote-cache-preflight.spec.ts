import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { preflightReport, remoteCachePreflight } from './remote-cache-preflight';

describe('remote cache preflight (CI fallback when the cache is down)', () => {
  it('is quiet when no remote cache is configured', async () => {
    const result = await remoteCachePreflight({ env: {} });
    expect(result).toEqual({ status: 'not-configured' });
    expect(preflightReport(result).env).toEqual([]);
  });

  it('passes when /health answers 200', async () => {
    const server = createServer((request, response) => response.writeHead(request.url === '/health' ? 200 : 404).end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const result = await remoteCachePreflight({ env: { REPROML_ALLOW_HTTP_LOCALHOST: '1', NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url } });
      expect(result).toEqual({ status: 'ok', url });
      expect(preflightReport(result).env).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('switches on NX_SKIP_REMOTE_CACHE when the server does not answer', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise((resolve) => server.close(resolve));
    const result = await remoteCachePreflight({ env: { REPROML_ALLOW_HTTP_LOCALHOST: '1', NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url }, timeoutMs: 2000 });
    expect(result.status).toBe('unreachable');
    const report = preflightReport(result);
    expect(report.env).toEqual(['NX_SKIP_REMOTE_CACHE=true']);
    expect(report.message).toMatch(/^::warning title=Remote cache down::/);
  });

  it('keeps a read-only cache (hits still served, uploads get 403) with a warning, and falls back when its storage is gone', async () => {
    const answers: Record<string, object> = {
      '/read-only/health': { status: 'read-only', reason: 'cannot write in /srv/cache: ENOSPC: no space left on device', readable: true, writable: false },
      '/gone/health': { status: 'unavailable', reason: 'storage folder /srv/cache is not usable: ENOENT', readable: false, writable: false },
    };
    const server = createServer((request, response) => {
      response.writeHead(503, { 'Content-Type': 'application/json' }).end(JSON.stringify(answers[request.url ?? ''] ?? {}));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const readOnly = await remoteCachePreflight({ env: { REPROML_ALLOW_HTTP_LOCALHOST: '1', NX_SELF_HOSTED_REMOTE_CACHE_SERVER: `${base}/read-only/` } });
      expect(readOnly).toMatchObject({ status: 'read-only' });
      const kept = preflightReport(readOnly);
      expect(kept.env).toEqual([]);
      expect(kept.message).toMatch(/^::warning title=Remote cache read-only::.*ENOSPC/);
      const gone = await remoteCachePreflight({ env: { REPROML_ALLOW_HTTP_LOCALHOST: '1', NX_SELF_HOSTED_REMOTE_CACHE_SERVER: `${base}/gone/` } });
      expect(gone).toMatchObject({ status: 'unreachable' });
      const fallback = preflightReport(gone);
      expect(fallback.env).toEqual(['NX_SKIP_REMOTE_CACHE=true']);
      expect(fallback.message).toContain('storage folder /srv/cache is not usable');
    } finally {
      server.close();
    }
  });

  it('never asks a cache over plain http on another machine, nor on loopback without the test opt-in: it falls back instead', async () => {
    // "Another machine": a server on this machine's own non-loopback address (eth0), or a name that never resolves.
    const address = Object.values(networkInterfaces())
      .flat()
      .find((entry) => entry?.family === 'IPv4' && !entry.internal)?.address;
    const requests: string[] = [];
    const server = createServer((request, response) => {
      requests.push(request.url ?? '');
      response.writeHead(200).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, address ?? '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const remote = address ? `http://${address}:${port}` : 'http://cache.invalid';
      const refused = await remoteCachePreflight({ env: { REPROML_ALLOW_HTTP_LOCALHOST: '1', NX_SELF_HOSTED_REMOTE_CACHE_SERVER: remote } });
      expect(refused).toEqual({ status: 'insecure', url: remote, reason: 'plain http:// is not allowed (data and tokens would travel in the clear)' });
      const report = preflightReport(refused);
      expect(report.env).toEqual(['NX_SKIP_REMOTE_CACHE=true']);
      expect(report.message).toMatch(/^::warning title=Remote cache refused::NX_SELF_HOSTED_REMOTE_CACHE_SERVER http:.*Use https:\/\//);
      expect(requests).toEqual([]);
    } finally {
      server.close();
    }
    const loopbackServer = createServer((request, response) => {
      requests.push(request.url ?? '');
      response.writeHead(200).end('{}');
    });
    await new Promise<void>((resolve) => loopbackServer.listen(0, '127.0.0.1', resolve));
    const loopback = `http://127.0.0.1:${(loopbackServer.address() as AddressInfo).port}`;
    try {
      expect(await remoteCachePreflight({ env: { NX_SELF_HOSTED_REMOTE_CACHE_SERVER: loopback } })).toMatchObject({ status: 'insecure' });
      expect(requests).toEqual([]);
      expect(await remoteCachePreflight({ env: { REPROML_ALLOW_HTTP_LOCALHOST: '1', NX_SELF_HOSTED_REMOTE_CACHE_SERVER: loopback } })).toEqual({
        status: 'ok',
        url: loopback,
      });
      expect(requests).toEqual(['/health']);
      expect((await remoteCachePreflight({ env: { NX_SELF_HOSTED_REMOTE_CACHE_SERVER: 'cache.example.org' } })).status).toBe('insecure');
    } finally {
      loopbackServer.close();
    }
  });
});
