import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLI_PORT, parseCliOptions, parseDuration, parseSize } from './cli-options';

const TOKEN = 'rw-token-0123456789abcdef';

describe('reproml-cache CLI options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reproml-cache-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads flags, with a token file', () => {
    const tokenFile = join(dir, 'tokens.json');
    writeFileSync(tokenFile, JSON.stringify({ tokens: [{ name: 'ci', token: TOKEN, scope: 'read-only' }] }));
    const command = parseCliOptions(
      ['--dir', '/srv/cache', '--port', '0', '--host', '0.0.0.0', '--max-size', '20GB', '--max-record-size', '512M', '--token-file', tokenFile],
      {},
    );
    expect(command).toEqual({
      kind: 'serve',
      options: {
        dir: '/srv/cache',
        port: 0,
        host: '0.0.0.0',
        maxBytes: 20 * 1024 ** 3,
        maxRecordBytes: 512 * 1024 ** 2,
        tokens: [{ name: 'ci', token: TOKEN, scope: 'read-only' }],
      },
    });
  });

  it('falls back to REPROML_CACHE_* variables and defaults', () => {
    const command = parseCliOptions([], {
      REPROML_CACHE_DIR: '/srv/cache',
      REPROML_CACHE_READ_WRITE_TOKENS: TOKEN,
      REPROML_CACHE_READ_ONLY_TOKENS: `ro-${TOKEN}, ro2-${TOKEN}`,
    });
    expect(command).toEqual({
      kind: 'serve',
      options: {
        dir: '/srv/cache',
        port: DEFAULT_CLI_PORT,
        host: '127.0.0.1',
        tokens: [
          { name: 'read-write-1', token: TOKEN, scope: 'read-write' },
          { name: 'read-only-1', token: `ro-${TOKEN}`, scope: 'read-only' },
          { name: 'read-only-2', token: `ro2-${TOKEN}`, scope: 'read-only' },
        ],
      },
    });
  });

  it('refuses to start without tokens or a folder, and names the bad flag', () => {
    expect(() => parseCliOptions(['--dir', '/srv/cache'], {})).toThrow(/No access tokens/);
    expect(() => parseCliOptions([], { REPROML_CACHE_READ_WRITE_TOKENS: TOKEN })).toThrow(/No storage folder/);
    expect(() => parseCliOptions(['--dir', 'x', '--prot', '1'], {})).toThrow(/--prot/);
    expect(() => parseCliOptions(['--dir', 'x', '--port', 'http'], { REPROML_CACHE_READ_WRITE_TOKENS: TOKEN })).toThrow(/Invalid port/);
    const badFile = join(dir, 'bad.json');
    writeFileSync(badFile, JSON.stringify({ tokens: [{ name: 'ci', token: TOKEN, scope: 'admin' }] }));
    expect(() => parseCliOptions(['--dir', 'x', '--token-file', badFile], {})).toThrow(/Invalid token file/);
  });

  it('refuses a short token from the environment with one line naming the variable and the token, not a ZodError', () => {
    const env = { REPROML_CACHE_DIR: '/tmp/x', REPROML_CACHE_READ_WRITE_TOKENS: 'a'.repeat(32), REPROML_CACHE_READ_ONLY_TOKENS: `${'b'.repeat(20)},short` };
    expect(() => parseCliOptions([], env)).toThrow(/^REPROML_CACHE_READ_ONLY_TOKENS: token 2 is invalid: a token should have at least 16 characters/);
  });

  it('parses sizes with K/M/G/T suffixes as powers of 1024', () => {
    expect(parseSize('1048576', '--max-size')).toBe(1048576);
    expect(parseSize('10G', '--max-size')).toBe(10 * 1024 ** 3);
    expect(parseSize('10GiB', '--max-size')).toBe(10 * 1024 ** 3);
    expect(parseSize('1.5k', '--max-size')).toBe(1536);
    expect(() => parseSize('lots', '--max-size')).toThrow(/Invalid size 'lots'/);
    expect(() => parseSize('0', '--max-size')).toThrow(/Invalid size/);
  });

  it('takes the request timeout in seconds or with s/m/h, from the flag or REPROML_CACHE_REQUEST_TIMEOUT', () => {
    expect(parseDuration('900', '--request-timeout')).toBe(900_000);
    expect(parseDuration('15m', '--request-timeout')).toBe(900_000);
    expect(parseDuration('1.5h', '--request-timeout')).toBe(5_400_000);
    expect(() => parseDuration('soon', '--request-timeout')).toThrow(/Invalid time 'soon'/);
    const env = { REPROML_CACHE_READ_WRITE_TOKENS: TOKEN };
    expect(parseCliOptions(['--dir', 'x', '--request-timeout', '30m'], env)).toMatchObject({ options: { requestTimeoutMs: 1_800_000 } });
    expect(parseCliOptions(['--dir', 'x'], { ...env, REPROML_CACHE_REQUEST_TIMEOUT: '600' })).toMatchObject({ options: { requestTimeoutMs: 600_000 } });
  });
});
