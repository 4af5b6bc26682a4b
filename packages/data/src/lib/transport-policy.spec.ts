import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, DataError } from '@reproml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRetryingFetch } from './retrying-fetch';
import { expectedBodySize, sourceFailure } from './source-failure';
import { assertHubEndpoint, insecureUrlReason, policyCheckedFetch } from './transport-policy';

async function listen(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('transport policy: https everywhere, plain http only to loopback when allowed', () => {
  it('classifies URLs', () => {
    expect(insecureUrlReason(new URL('https://example.org/a.csv'), false)).toBeUndefined();
    expect(insecureUrlReason(new URL('http://example.org/a.csv'), true)).toMatch(/plain http/);
    expect(insecureUrlReason(new URL('http://127.0.0.1:9/a.csv'), false)).toMatch(/plain http/);
    expect(insecureUrlReason(new URL('http://127.0.0.1:9/a.csv'), true)).toBeUndefined();
    expect(insecureUrlReason(new URL('http://localhost:9/a.csv'), true)).toBeUndefined();
    expect(insecureUrlReason(new URL('http://[::1]:9/a.csv'), true)).toBeUndefined();
    expect(insecureUrlReason(new URL('file:///etc/passwd'), true)).toBe('file: URLs are not fetched');
    expect(insecureUrlReason(new URL('data:text/csv,a'), true)).toBe('data: URLs are not fetched');
  });

  it('checks HF_ENDPOINT with the same rule, as a ConfigError naming the setting and the stage', () => {
    const refusal = (call: () => void) => {
      try {
        call();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const where = { stage: 'demo-push', file: 'pipelines/demo/push/stage.json' };
    const remote = refusal(() => assertHubEndpoint('http://hub.example.com', true, where));
    expect(remote).toBeInstanceOf(ConfigError);
    expect(remote).toMatchObject({
      ...where,
      field: 'HF_ENDPOINT',
      message: "HF_ENDPOINT 'http://hub.example.com' is refused: plain http:// is not allowed (data and tokens would travel in the clear)",
    });
    expect((remote as ConfigError).hint).toMatch(/Use an https:\/\/ Hub endpoint.*REPROML_ALLOW_HTTP_LOCALHOST=1/);
    expect(refusal(() => assertHubEndpoint('http://127.0.0.1:9', false))).toMatchObject({
      field: 'HF_ENDPOINT',
      message: expect.stringMatching(/is refused: plain http/),
    });
    expect(refusal(() => assertHubEndpoint('hub.example.com', true))).toMatchObject({
      field: 'HF_ENDPOINT',
      message: "HF_ENDPOINT 'hub.example.com' is not a URL",
    });
    expect(refusal(() => assertHubEndpoint('http://127.0.0.1:9', true))).toBeUndefined();
    expect(refusal(() => assertHubEndpoint('https://hub.example.com', false))).toBeUndefined();
  });

  describe('redirects, followed hop by hop', () => {
    let origin: { server: Server; url: string };
    let other: { server: Server; url: string };
    const seen: Array<{ path: string; authorization?: string; method?: string }> = [];
    beforeAll(async () => {
      other = await listen((request, response) => {
        seen.push({ path: request.url!, authorization: request.headers.authorization, method: request.method });
        response.writeHead(200, { 'content-type': 'text/plain' }).end('other origin');
      });
      origin = await listen((request, response) => {
        seen.push({ path: request.url!, authorization: request.headers.authorization, method: request.method });
        const to: Record<string, string> = {
          '/same': '/final',
          '/cross': `${other.url}/landed`,
          '/downgrade': 'http://example.invalid/x.csv',
          '/file': 'file:///etc/passwd',
          '/loop': '/loop',
          '/see-other': '/final',
        };
        const location = to[request.url!];
        if (location) response.writeHead(request.url === '/see-other' ? 303 : 302, { location }).end();
        else response.writeHead(200, { 'content-type': 'text/plain' }).end(`final ${request.method}`);
      });
    });
    afterAll(() => {
      origin.server.close();
      other.server.close();
    });

    const checked = policyCheckedFetch(fetch, true);
    const withToken = { headers: { Authorization: 'Bearer hf_secret0123456789' } };

    it('keeps the token on the same origin and drops it when a hop changes origin', async () => {
      seen.length = 0;
      expect(await (await checked(`${origin.url}/same`, withToken)).text()).toBe('final GET');
      expect(await (await checked(`${origin.url}/cross`, withToken)).text()).toBe('other origin');
      expect(seen.map((hop) => [hop.path, hop.authorization])).toEqual([
        ['/same', 'Bearer hf_secret0123456789'],
        ['/final', 'Bearer hf_secret0123456789'],
        ['/cross', 'Bearer hf_secret0123456789'],
        ['/landed', undefined],
      ]);
    });

    it('keeps the headers of a Request given as input (the token of a client that builds Requests)', async () => {
      seen.length = 0;
      const retrying = createRetryingFetch({ retries: 0, retryBaseMs: 1, timeoutMs: 2000, allowHttpLocalhost: true });
      const response = await retrying(new Request(`${origin.url}/same`, withToken));
      expect(await response.text()).toBe('final GET');
      expect(seen.map((hop) => hop.authorization)).toEqual(['Bearer hf_secret0123456789', 'Bearer hf_secret0123456789']);
    });

    it('turns a POST into a GET on 303, as browsers do', async () => {
      expect(await (await checked(`${origin.url}/see-other`, { method: 'POST', body: 'x' })).text()).toBe('final GET');
    });

    it('refuses a hop to plain http (not loopback), to file:, and endless loops, with typed errors', async () => {
      const downgrade = await checked(`${origin.url}/downgrade`).catch((error: unknown) => error);
      expect(downgrade).toBeInstanceOf(DataError);
      expect((downgrade as DataError).message).toBe(
        `${origin.url}/downgrade redirected to http://example.invalid/x.csv: plain http:// is not allowed (data and tokens would travel in the clear)`,
      );
      await expect(checked(`${origin.url}/file`)).rejects.toThrow(/redirected to file:\/\/\/etc\/passwd: file: URLs are not fetched/);
      await expect(checked(`${origin.url}/loop`)).rejects.toThrow(/more than 20 redirects/);
      // Without the opt-in even loopback http is refused, before any connection.
      await expect(policyCheckedFetch(fetch, false)(`${origin.url}/same`)).rejects.toBeInstanceOf(DataError);
    });
  });
});

describe('source failures and content codings', () => {
  const location = { stage: 'p-data', file: 'pipelines/p/data/stage.json', field: 'files.train.source' };

  it('turns any failure into a typed error naming the source and where it is declared', () => {
    const bare = new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND example.invalid') });
    const wrapped = sourceFailure(bare, 'https://example.invalid/a.csv', location);
    expect(wrapped).toBeInstanceOf(DataError);
    expect(wrapped).toMatchObject({
      ...location,
      message: 'Cannot download https://example.invalid/a.csv: TypeError: fetch failed: getaddrinfo ENOTFOUND example.invalid',
    });
    const typed = sourceFailure(
      new DataError('https://x.org/a.csv redirected to file:///etc/passwd: file: URLs are not fetched'),
      'https://x.org/a.csv',
      location,
    );
    expect(typed).toMatchObject({ ...location, message: 'https://x.org/a.csv redirected to file:///etc/passwd: file: URLs are not fetched' });
  });

  it('checks Content-Length only for unencoded bodies, and refuses codings fetch does not decode', () => {
    expect(expectedBodySize(new Headers({ 'content-length': '36' }), 's')).toBe(36);
    expect(expectedBodySize(new Headers({ 'content-length': '16', 'content-encoding': 'gzip' }), 's')).toBeUndefined();
    expect(expectedBodySize(new Headers({ 'content-length': '36', 'content-encoding': 'identity' }), 's')).toBe(36);
    expect(() => expectedBodySize(new Headers({ 'content-encoding': 'gzip, zstd' }), 'https://x.org/a.csv')).toThrow(
      "https://x.org/a.csv was sent with Content-Encoding 'zstd', which ReproML cannot decode",
    );
  });
});
