import { ConfigError, DataError } from '@reproml/core';

/** Hosts plain http:// may reach when REPROML_ALLOW_HTTP_LOCALHOST=1 (tests against local servers). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

/**
 * Why a URL may not be fetched, or undefined when it may: https anywhere; plain http only to
 * the loopback interface with `allowHttpLocalhost`; nothing else (file:, data:, ftp:). Data
 * and tokens fetched in the clear can be read and altered on the way, and a lock would pin
 * whatever a man in the middle served at `lock` time.
 */
export function insecureUrlReason(url: URL, allowHttpLocalhost: boolean): string | undefined {
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    if (allowHttpLocalhost && isLoopbackHost(url.hostname)) return undefined;
    return 'plain http:// is not allowed (data and tokens would travel in the clear)';
  }
  return `${url.protocol.replace(/:$/, '')}: URLs are not fetched`;
}

/** The stage (and its field, e.g. a data source) that reaches the Hub, when a stage does; the error names HF_ENDPOINT otherwise. */
export interface EndpointLocation {
  file?: string;
  stage?: string;
  field?: string;
}

/**
 * The one check of HF_ENDPOINT, before any request to it: data sources on the Hub, the push
 * stage's Hub target and the Hub model registry (reads and writes, with or without a token)
 * all call it. The policy is `insecureUrlReason`'s: a Hub reached over plain http to another
 * machine could be read and forged on the way (a token stolen; versions, audit log and model
 * bytes replaced consistently, since their hashes travel over the same channel).
 */
export function assertHubEndpoint(hubUrl: string, allowHttpLocalhost: boolean, location: EndpointLocation = {}): void {
  let url: URL;
  try {
    url = new URL(hubUrl);
  } catch (error) {
    throw new ConfigError(`HF_ENDPOINT '${hubUrl}' is not a URL`, {
      field: 'HF_ENDPOINT',
      ...location,
      cause: error,
      hint: 'Set HF_ENDPOINT to the Hub, e.g. https://huggingface.co or https://hub.example.com, or unset it.',
    });
  }
  const refused = insecureUrlReason(url, allowHttpLocalhost);
  if (refused) {
    throw new ConfigError(`HF_ENDPOINT '${hubUrl}' is refused: ${refused}`, {
      field: 'HF_ENDPOINT',
      ...location,
      hint: 'Use an https:// Hub endpoint (what the Hub sends, and HF_TOKEN if set, would otherwise travel in the clear). Tests against a local Hub may allow http://127.0.0.1 with REPROML_ALLOW_HTTP_LOCALHOST=1.',
    });
  }
}

/** The headers a fetch call sends: `init.headers`, else those of a Request given as input. */
export function requestHeaders(input: Parameters<typeof fetch>[0], init: RequestInit | undefined): Headers {
  if (init?.headers !== undefined) return new Headers(init.headers);
  return new Headers(input instanceof Request ? input.headers : undefined);
}

/** HTTP statuses that carry a Location to follow. */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;

/** A server redirected somewhere the transport policy does not allow. */
function redirectRefused(from: string, to: string, reason: string): DataError {
  return new DataError(`${from} redirected to ${to}: ${reason}`, {
    hint: 'Every hop of a redirect must stay on https://: ask the server owner to fix the redirect, or use the final https:// URL. Tests may allow http://127.0.0.1 with REPROML_ALLOW_HTTP_LOCALHOST=1.',
  });
}

/**
 * A `fetch` that follows redirects itself, checking every hop against the transport policy
 * (undici follows https → http and hands `file:` redirects back as a bare "fetch failed").
 * Credentials (Authorization, Cookie) are dropped when a hop changes origin, as the fetch
 * standard does.
 */
export function policyCheckedFetch(baseFetch: typeof fetch, allowHttpLocalhost: boolean): typeof fetch {
  return async (input, init) => {
    let url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const first = url.href;
    const request = input instanceof Request ? input : undefined;
    let method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    let body = init?.body ?? request?.body ?? undefined;
    let headers = requestHeaders(input, init);
    for (let hop = 0; ; hop++) {
      const refused = insecureUrlReason(url, allowHttpLocalhost);
      if (refused) {
        if (hop === 0) throw new DataError(`Cannot fetch ${url.href}: ${refused}`, { hint: 'Use an https:// URL.' });
        throw redirectRefused(first, url.href, refused);
      }
      const response = await baseFetch(url.href, { ...init, method, body, headers, redirect: 'manual' });
      const location = response.headers.get('location');
      if (!REDIRECT_STATUSES.has(response.status) || location === null) return response;
      await response.body?.cancel().catch(() => undefined);
      if (hop >= MAX_REDIRECTS) throw redirectRefused(first, url.href, `more than ${MAX_REDIRECTS} redirects`);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw redirectRefused(first, location, 'the Location header is not a URL');
      }
      if (next.origin !== url.origin) {
        headers = new Headers(headers);
        headers.delete('authorization');
        headers.delete('cookie');
      }
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      url = next;
    }
  };
}
