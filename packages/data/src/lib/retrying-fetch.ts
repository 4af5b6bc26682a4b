import { TransientError } from '@reproml/core';
import { certificateError, certificateFailure } from './tls-failure';
import { policyCheckedFetch, requestHeaders } from './transport-policy';

export interface RetryPolicy {
  /** Extra attempts after the first. */
  retries: number;
  /** First backoff delay in ms, doubled on each retry. */
  retryBaseMs: number;
  /** Longest wait for response headers, and for each next chunk of the body. */
  timeoutMs: number;
}

export interface CreateRetryingFetchParams extends RetryPolicy {
  fetch?: typeof fetch;
  /** Plain http:// to 127.0.0.1/localhost is allowed (REPROML_ALLOW_HTTP_LOCALHOST=1, tests); every other hop must be https://. */
  allowHttpLocalhost?: boolean;
  /** Told about every retry, e.g. to log "HTTP 503 from …, retrying in 1 s". */
  onRetry?: (event: { url: string; attempt: number; delayMs: number; reason: string }) => void;
}

/** Transient: a stage's `retries` may run the stage again after it. */
export class HttpTimeoutError extends TransientError {
  override name = 'HttpTimeoutError';
}

/** 5xx and 429 are worth another try; 4xx other than 429 say something definite. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** Network failures (refused, reset, cut body, timeout) as fetch reports them. */
export function isTransientNetworkError(error: unknown): boolean {
  if (error instanceof HttpTimeoutError) return true;
  if (certificateFailure(error)) return false;
  if (!(error instanceof Error)) return typeof error === 'string' && /terminated|socket|ECONNRESET|aborted/i.test(error);
  if (error.name === 'AbortError' && error.cause instanceof HttpTimeoutError) return true;
  if (error.name === 'TypeError' && /fetch failed|terminated/i.test(error.message)) return true;
  return /terminated|ECONNRESET|ECONNREFUSED|socket|premature close|other side closed/i.test(`${error.message} ${String(error.cause ?? '')}`);
}

export function backoffDelay(policy: Pick<RetryPolicy, 'retryBaseMs'>, attempt: number): number {
  return policy.retryBaseMs * 2 ** attempt;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A `fetch` that retries 5xx/429 answers and network failures with exponential backoff, and
 * gives up on a silent server after `timeoutMs` without a response or without new body
 * bytes (an idle timeout, so a large download is never cut for taking long). It is what
 * every network source hands to `@huggingface/hub` and uses itself. Every hop of a redirect
 * is checked (https only; see transport-policy.ts), and it asks for the file as stored
 * (`Accept-Encoding: identity`), so that Content-Length counts the file's own bytes.
 */
export function createRetryingFetch(params: CreateRetryingFetchParams): typeof fetch {
  const baseFetch = policyCheckedFetch(params.fetch ?? fetch, params.allowHttpLocalhost ?? false);
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    for (let attempt = 0; ; attempt++) {
      const controller = new AbortController();
      const onOuterAbort = () => controller.abort(init?.signal?.reason);
      init?.signal?.addEventListener('abort', onOuterAbort, { once: true });
      const timer = new IdleTimer(params.timeoutMs, () => controller.abort(new HttpTimeoutError(`no answer from ${url} within ${params.timeoutMs} ms`)));
      let response: Response;
      try {
        response = await baseFetch(input, { ...init, headers: identityEncoding(requestHeaders(input, init)), signal: controller.signal });
      } catch (error) {
        timer.stop();
        const reason = controller.signal.reason instanceof HttpTimeoutError ? controller.signal.reason : error;
        if (attempt < params.retries && isTransientNetworkError(reason) && !init?.signal?.aborted) {
          const delayMs = backoffDelay(params, attempt);
          params.onRetry?.({ url, attempt: attempt + 1, delayMs, reason: (reason as Error).message ?? String(reason) });
          await sleep(delayMs);
          continue;
        }
        const certificate = certificateFailure(reason);
        throw certificate ? certificateError(url, certificate) : reason;
      }
      if (isRetryableStatus(response.status) && attempt < params.retries) {
        timer.stop();
        await response.body?.cancel().catch(() => undefined);
        const delayMs = backoffDelay(params, attempt);
        params.onRetry?.({ url, attempt: attempt + 1, delayMs, reason: `HTTP ${response.status}` });
        await sleep(delayMs);
        continue;
      }
      return watchBody(response, timer);
    }
  };
}

/** The request's headers plus `Accept-Encoding: identity` unless the caller chose an encoding. */
function identityEncoding(headers: RequestInit['headers']): Headers {
  const merged = new Headers(headers);
  if (!merged.has('accept-encoding')) merged.set('accept-encoding', 'identity');
  return merged;
}

/** Restarts the timeout on every chunk so that only a stalled body times out. */
function watchBody(response: Response, timer: IdleTimer): Response {
  if (!response.body) {
    timer.stop();
    return response;
  }
  timer.restart();
  const watched = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        timer.restart();
        controller.enqueue(chunk);
      },
      flush() {
        timer.stop();
      },
    }),
  );
  return new Response(watched, { status: response.status, statusText: response.statusText, headers: response.headers });
}

class IdleTimer {
  private handle?: NodeJS.Timeout;

  constructor(
    private readonly ms: number,
    private readonly onTimeout: () => void,
  ) {
    this.restart();
  }

  restart(): void {
    this.stop();
    this.handle = setTimeout(this.onTimeout, this.ms);
    this.handle.unref?.();
  }

  stop(): void {
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
  }
}
