import { ConfigError, DataError } from '@reproml/core';
import type { DatasetSource, OpenSourceParams } from './dataset-source';
import { downloadSource } from './download-source';
import { createRetryingFetch } from './retrying-fetch';
import { expectedBodySize } from './source-failure';
import { insecureUrlReason } from './transport-policy';

export function isUrlSource(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/**
 * A file at an https:// URL. A URL has no revision, so the lock's sha256 is the only pin:
 * `run` serves it from the store when present, else downloads it and fails if the server
 * now answers different bytes. Plain http:// is refused, for the URL and for every hop of a
 * redirect, except to localhost when REPROML_ALLOW_HTTP_LOCALHOST=1 (for tests).
 */
export function urlSource(params: OpenSourceParams): DatasetSource {
  const { source, context } = params;
  const url = parseUrl(source, params);
  const env = context.environment;
  const retryingFetch = createRetryingFetch({
    ...env,
    onRetry: (event) => context.warn(`${event.reason} from ${event.url}; retry ${event.attempt}/${env.retries} in ${event.delayMs} ms`),
  });
  return {
    kind: 'url',
    resolve: async () => ({ revision: null }),
    materialize: async ({ expectedSha256 }) => {
      return downloadSource({
        source,
        context,
        expectedSha256,
        open: async () => {
          const response = await retryingFetch(url.href, { headers: { 'User-Agent': 'reproml' } });
          if (!response.ok) throw httpError(response.status, source, context.location);
          const size = expectedBodySize(response.headers, source);
          return { body: response.body!, size };
        },
      });
    },
  };
}

function parseUrl(source: string, params: OpenSourceParams): URL {
  const { location, environment } = params.context;
  let url: URL;
  try {
    url = new URL(source);
  } catch (error) {
    throw new ConfigError(`'${source}' is not a valid URL`, { ...location, hint: 'Write it as https://host/path/file.csv.', cause: error });
  }
  if (insecureUrlReason(url, environment.allowHttpLocalhost)) {
    throw new ConfigError(`Plain http:// sources are not allowed: '${source}'`, {
      ...location,
      hint: 'Use https:// (data fetched in the clear can be altered on the way). Tests may allow http://127.0.0.1 with REPROML_ALLOW_HTTP_LOCALHOST=1.',
    });
  }
  return url;
}

function httpError(status: number, source: string, location: OpenSourceParams['context']['location']): DataError {
  const hints: Record<number, string> = {
    401: 'The server wants credentials; ReproML sends none to plain URLs: mirror the file somewhere readable, or use an hf:// source with HF_TOKEN.',
    403: 'The server refuses access to this file: check the URL and its access rights.',
    404: 'Check the URL: the file is not there (any more).',
  };
  return new DataError(`HTTP ${status} fetching ${source}`, { ...location, hint: hints[status] ?? 'Check the URL and try again later.' });
}
