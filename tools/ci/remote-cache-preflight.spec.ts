import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
      const result = await remoteCachePreflight({ env: { NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url } });
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
    const result = await remoteCachePreflight({ env: { NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url }, timeoutMs: 2000 });
    expect(result.status).toBe('unreachable');
    const report = preflightReport(result);
    expect(report.env).toEqual(['NX_SKIP_REMOTE_CACHE=true']);
    expect(report.message).toMatch(/^::warning title=Remote cache down::/);
  });
});
