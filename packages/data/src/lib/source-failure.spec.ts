import { DataError, isRetryableError } from '@reproml/core';
import { describe, expect, it } from 'vitest';
import { IncompleteDownloadError } from './download-to-store';
import { HttpTimeoutError } from './retrying-fetch';
import { sourceFailure } from './source-failure';

const location = { stage: 'p-data', file: 'pipelines/p/data/stage.json', field: 'files.a.source' };

describe('sourceFailure and stage retries', () => {
  it('a download that failed on the network even after its own retries is a DataError a stage may retry', () => {
    const reset = new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
    for (const cause of [reset, new HttpTimeoutError('no answer within 30000 ms'), new IncompleteDownloadError('received 10 of 20 bytes')]) {
      const failure = sourceFailure(cause, 'https://example.org/a.csv', location);
      expect(failure).toBeInstanceOf(DataError);
      expect(failure.field).toBe('files.a.source');
      expect(isRetryableError(failure)).toBe(true);
    }
  });

  it('an HTTP 404, a bug or a located typed error is not retried', () => {
    const notFound = new DataError('HTTP 404 fetching https://example.org/a.csv', { hint: 'Check the URL' });
    expect(isRetryableError(sourceFailure(notFound, 'https://example.org/a.csv', location))).toBe(false);
    expect(isRetryableError(sourceFailure(new TypeError('x is not a function'), 'https://example.org/a.csv', location))).toBe(false);
  });
});
