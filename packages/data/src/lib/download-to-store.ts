import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { type ProgressListener, TransientError } from '@reproml/core';
import type { ContentStore, StoredFile } from './content-store';
import { backoffDelay, isTransientNetworkError, type RetryPolicy, sleep } from './retrying-fetch';

/** Downloads larger than this show a progress bar. */
export const PROGRESS_THRESHOLD_BYTES = 4 * 1024 * 1024;

export interface OpenedDownload {
  body: ReadableStream<Uint8Array>;
  /** Expected size in bytes, when the server said. */
  size?: number;
}

/** Transient: a stage's `retries` may run the stage again after it. */
export class IncompleteDownloadError extends TransientError {
  override name = 'IncompleteDownloadError';
}

export interface DownloadToStoreParams {
  store: ContentStore;
  /** Starts (or restarts) the download; errors it throws that are not transient end the retries. */
  open: () => Promise<OpenedDownload>;
  /** What is being downloaded, for progress and messages (`hf://…`, a URL). */
  label: string;
  policy: RetryPolicy;
  progress?: ProgressListener;
  onRetry?: (message: string) => void;
  /** The sha256 the lock expects: when the store already holds (verified) bytes with it, nothing is downloaded. */
  expectedSha256?: string;
}

/**
 * Streams a download into the store, hashing as it goes; a body that breaks off or comes out
 * shorter or longer than announced is retried with backoff, and only a complete file is
 * renamed into the store (never a partial one).
 */
export async function downloadToStore(params: DownloadToStoreParams): Promise<StoredFile> {
  const stored = params.expectedSha256 ? await params.store.lookup(params.expectedSha256) : undefined;
  if (stored) return stored;
  for (let attempt = 0; ; attempt++) {
    const temp = await params.store.tempPath();
    try {
      const opened = await params.open();
      const sha256 = await streamToFile({ ...opened, temp, label: params.label, progress: params.progress });
      return await params.store.adopt(temp, sha256);
    } catch (error) {
      await rm(temp, { force: true });
      const transient = error instanceof IncompleteDownloadError || isTransientNetworkError(error);
      if (!transient || attempt >= params.policy.retries) throw error;
      const delayMs = backoffDelay(params.policy, attempt);
      params.onRetry?.(`download of ${params.label} failed (${describe(error)}); retry ${attempt + 1}/${params.policy.retries} in ${delayMs} ms`);
      await sleep(delayMs);
    }
  }
}

async function streamToFile(params: OpenedDownload & { temp: string; label: string; progress?: ProgressListener }): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(params.temp);
  const showProgress = params.progress && params.size !== undefined && params.size > PROGRESS_THRESHOLD_BYTES;
  let done = 0;
  try {
    for await (const chunk of params.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      done += chunk.byteLength;
      if (!out.write(chunk)) await once(out, 'drain');
      if (showProgress) params.progress!({ type: 'progress', phase: `download ${params.label}`, done, total: params.size, unit: 'bytes' });
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  if (params.size !== undefined && done !== params.size) {
    throw new IncompleteDownloadError(`received ${done} of ${params.size} bytes`);
  }
  return hash.digest('hex');
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
