import { describe, expect, it } from 'vitest';
import { requestPath } from './request-path';

describe('requestPath', () => {
  it('gives the pathname URL parsing gives, with and without the fast path', () => {
    const urls = [
      '/predict',
      '/predict?x=1',
      '/predict#frag',
      '/v2/models/demo/versions/3/infer',
      '/v2/models/my.model/infer',
      '/v2/models/a%20b/infer',
      '/v2/../predict',
      '/v2/./health/live',
      '/./predict',
      '//predict',
      '/predict/',
      '/pre dict',
      '/a\\b',
      '/ünï',
      '/.hidden',
      '/~user/x-y_z',
      '/',
      '',
      'http://example.com/predict',
    ];
    for (const url of urls) expect(requestPath(url), url).toBe(new URL(url, 'http://localhost').pathname);
  });

  it('is / for a missing URL', () => {
    expect(requestPath(undefined)).toBe('/');
  });
});
