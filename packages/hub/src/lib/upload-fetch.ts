// A light subpath: the data index loads the Hub client and the Parquet reader.
import { backoffDelay, isRetryableStatus, isTransientNetworkError, sleep } from '@reproml/data/retrying-fetch';

export interface CreateUploadFetchParams {
  /** Extra attempts after the first. */
  retries: number;
  retryBaseMs: number;
  fetch?: typeof fetch;
  onRetry?: (event: { url: string; attempt: number; delayMs: number; reason: string }) => void;
}

/**
 * The `fetch` handed to @huggingface/hub for pushes: retries 5xx/429/408 answers and
 * network failures with exponential backoff. Unlike downloads there is no idle timeout: a
 * large upload sends for a long time before the server answers. Request bodies the client
 * sends (strings, Blobs) can be sent again, so every request is retryable.
 */
export function createUploadFetch(params: CreateUploadFetchParams): typeof fetch {
  const baseFetch = params.fetch ?? fetch;
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await baseFetch(input, init);
      } catch (error) {
        if (attempt < params.retries && isTransientNetworkError(error) && !init?.signal?.aborted) {
          const delayMs = backoffDelay(params, attempt);
          params.onRetry?.({ url: redact(url), attempt: attempt + 1, delayMs, reason: (error as Error).message ?? String(error) });
          await sleep(delayMs);
          continue;
        }
        throw error;
      }
      if (isRetryableStatus(response.status) && attempt < params.retries) {
        await response.body?.cancel().catch(() => undefined);
        const delayMs = backoffDelay(params, attempt);
        params.onRetry?.({ url: redact(url), attempt: attempt + 1, delayMs, reason: `HTTP ${response.status}` });
        await sleep(delayMs);
        continue;
      }
      return response;
    }
  };
}

/** Upload hrefs can carry credentials in their query (signed URLs): never log them. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}${parsed.search ? '?…' : ''}`;
  } catch {
    return '<url>';
  }
}
