import { describe, expect, it } from 'vitest';
import { AccessTokens, canWrite } from './access-tokens';

const WRITER = 'rw-0123456789abcdef';
const READER = 'ro-0123456789abcdef';

describe('AccessTokens', () => {
  const tokens = new AccessTokens([
    { name: 'ci-main', token: WRITER, scope: 'read-write' },
    { name: 'ci-pull-requests', token: READER, scope: 'read-only' },
  ]);

  it('grants a known bearer token with its scope and holder name', () => {
    expect(tokens.authorize(`Bearer ${WRITER}`)).toEqual({ status: 'granted', name: 'ci-main', scope: 'read-write' });
    expect(tokens.authorize(`bearer ${READER}`)).toEqual({ status: 'granted', name: 'ci-pull-requests', scope: 'read-only' });
  });

  it('refuses a missing header, another scheme, an unknown token and a prefix of a real one', () => {
    expect(tokens.authorize(undefined)).toEqual({ status: 'unauthorized', reason: 'missing' });
    expect(tokens.authorize(`Basic ${WRITER}`)).toEqual({ status: 'unauthorized', reason: 'missing' });
    expect(tokens.authorize('Bearer not-a-token-we-gave-out')).toEqual({ status: 'unauthorized', reason: 'unknown' });
    expect(tokens.authorize(`Bearer ${WRITER.slice(0, -1)}`)).toEqual({ status: 'unauthorized', reason: 'unknown' });
  });

  it('lets only read-write tokens write', () => {
    expect(canWrite('read-write')).toBe(true);
    expect(canWrite('read-only')).toBe(false);
  });

  it('rejects short, duplicated or missing tokens with a message that says what to fix', () => {
    expect(() => new AccessTokens([{ name: 'a', token: 'short', scope: 'read-write' }])).toThrow(/at least 16 characters/);
    expect(
      () =>
        new AccessTokens([
          { name: 'a', token: WRITER, scope: 'read-write' },
          { name: 'b', token: WRITER, scope: 'read-only' },
        ]),
    ).toThrow(/given twice/);
    expect(() => new AccessTokens([])).toThrow(/Invalid cache access tokens/);
  });
});
