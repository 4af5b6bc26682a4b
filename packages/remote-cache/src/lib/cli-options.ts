import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from '@reproml/core';
import { type AccessToken, accessTokenSchema, tokenFileSchema } from './access-tokens';
import type { CacheServerOptions } from './cache-server';

export const CLI_USAGE = `Usage: reproml-cache --dir <folder> [options]

Serves Nx's self-hosted remote cache protocol (point NX_SELF_HOSTED_REMOTE_CACHE_SERVER at it).

Options (each also as an environment variable):
  --dir <folder>            REPROML_CACHE_DIR              where records are stored (required)
  --port <n>                REPROML_CACHE_PORT             TCP port, 0 = any free port (default 3210)
  --host <address>          REPROML_CACHE_HOST             interface (default 127.0.0.1; 0.0.0.0 for a team server)
  --max-size <size>         REPROML_CACHE_MAX_SIZE         storage limit, LRU eviction beyond (default 10GiB)
  --max-record-size <size>  REPROML_CACHE_MAX_RECORD_SIZE  largest accepted upload (default min(1GiB, max-size))
  --request-timeout <time>  REPROML_CACHE_REQUEST_TIMEOUT  longest one upload may take (default: the record limit
                                                           at 1 MiB/s + 60s, at least 300s; 1GiB → 1084s)
  --token-file <file>       REPROML_CACHE_TOKEN_FILE       JSON {"tokens":[{"name","token","scope"}]}
                            REPROML_CACHE_READ_WRITE_TOKENS / REPROML_CACHE_READ_ONLY_TOKENS
                                                           comma-separated tokens instead of a file
Sizes take K, M, G, T suffixes (powers of 1024; "10G", "10GB" and "10GiB" are the same).
Times are seconds, or take s, m, h suffixes ("900", "15m").
Prints one JSON line {"event":"listening","url":…} when ready, then one JSON line per request.`;

export const DEFAULT_CLI_PORT = 3210;

export type CliCommand = { kind: 'help' } | { kind: 'serve'; options: CacheServerOptions };

/** Reads flags first, then REPROML_CACHE_* variables; anything missing or malformed is a ConfigError naming it. */
export function parseCliOptions(argv: readonly string[], env: NodeJS.ProcessEnv): CliCommand {
  const values = parseFlags(argv);
  if (values.help) return { kind: 'help' };
  const dir = values.dir ?? env.REPROML_CACHE_DIR;
  if (!dir) throw new ConfigError('No storage folder given', { field: '--dir', hint: 'Pass --dir <folder> or set REPROML_CACHE_DIR.' });
  const maxSize = values['max-size'] ?? env.REPROML_CACHE_MAX_SIZE;
  const maxRecordSize = values['max-record-size'] ?? env.REPROML_CACHE_MAX_RECORD_SIZE;
  const requestTimeout = values['request-timeout'] ?? env.REPROML_CACHE_REQUEST_TIMEOUT;
  return {
    kind: 'serve',
    options: {
      dir,
      port: parsePort(values.port ?? env.REPROML_CACHE_PORT),
      host: values.host ?? env.REPROML_CACHE_HOST ?? '127.0.0.1',
      tokens: readTokens(values['token-file'] ?? env.REPROML_CACHE_TOKEN_FILE, env),
      ...(maxSize === undefined ? {} : { maxBytes: parseSize(maxSize, '--max-size') }),
      ...(maxRecordSize === undefined ? {} : { maxRecordBytes: parseSize(maxRecordSize, '--max-record-size') }),
      ...(requestTimeout === undefined ? {} : { requestTimeoutMs: parseDuration(requestTimeout, '--request-timeout') }),
    },
  };
}

function parsePort(text: string | undefined): number {
  if (text === undefined) return DEFAULT_CLI_PORT;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new ConfigError(`Invalid port '${text}'`, { field: '--port', hint: 'Use a number from 0 to 65535 (0 picks a free port).' });
  }
  return port;
}

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** "500M", "10GB", "10GiB", "1048576" → bytes (suffixes are powers of 1024). */
export function parseSize(text: string, field: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(text);
  const bytes = match ? Math.floor(Number(match[1]) * SIZE_UNITS[match[2]!.toUpperCase()]!) : NaN;
  if (!(bytes > 0)) {
    throw new ConfigError(`Invalid size '${text}'`, { field, hint: 'Use bytes or a K/M/G/T suffix, e.g. 500M or 10GB.' });
  }
  return bytes;
}

const TIME_UNITS: Record<string, number> = { '': 1000, S: 1000, M: 60_000, H: 3_600_000 };

/** "900", "900s", "15m", "1.5h" → milliseconds. */
export function parseDuration(text: string, field: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([SMH]?)\s*$/i.exec(text);
  const ms = match ? Math.round(Number(match[1]) * TIME_UNITS[match[2]!.toUpperCase()]!) : NaN;
  if (!(ms > 0)) {
    throw new ConfigError(`Invalid time '${text}'`, { field, hint: 'Use seconds or an s/m/h suffix, e.g. 900 or 15m.' });
  }
  return ms;
}

function readTokens(tokenFile: string | undefined, env: NodeJS.ProcessEnv): AccessToken[] {
  if (tokenFile) return readTokenFile(tokenFile);
  const tokens = [
    ...splitTokens(env.REPROML_CACHE_READ_WRITE_TOKENS).map((token, i) => ({ name: `read-write-${i + 1}`, token, scope: 'read-write' as const })),
    ...splitTokens(env.REPROML_CACHE_READ_ONLY_TOKENS).map((token, i) => ({ name: `read-only-${i + 1}`, token, scope: 'read-only' as const })),
  ];
  for (const token of tokens) checkEnvToken(token);
  if (tokens.length === 0) {
    throw new ConfigError('No access tokens given: the cache refuses to run open to anyone', {
      field: '--token-file',
      hint: 'Pass --token-file <file> ({"tokens":[{"name":"ci","token":"…","scope":"read-write"}]}) or set REPROML_CACHE_READ_WRITE_TOKENS.',
    });
  }
  return tokens;
}

/** A token from REPROML_CACHE_*_TOKENS checked by the token file's rules, with a one-line error naming the variable. */
function checkEnvToken(token: AccessToken): void {
  const parsed = accessTokenSchema.safeParse(token);
  if (parsed.success) return;
  const variable = token.scope === 'read-write' ? 'REPROML_CACHE_READ_WRITE_TOKENS' : 'REPROML_CACHE_READ_ONLY_TOKENS';
  const position = Number(token.name.split('-').pop());
  throw new ConfigError(`${variable}: token ${position} is invalid: ${parsed.error.issues[0]!.message}`, {
    field: variable,
    hint: 'Tokens are comma-separated, at least 16 printable characters each (e.g. `openssl rand -hex 32`).',
  });
}

function readTokenFile(file: string): AccessToken[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Cannot read token file ${file}: ${(error as Error).message}`, {
      file,
      hint: 'The token file is JSON: {"tokens":[{"name":"ci","token":"…","scope":"read-only"}]}.',
    });
  }
  const parsed = tokenFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`Invalid token file: ${issue.message}`, {
      file,
      field: issue.path.join('.'),
      hint: 'Each entry needs name, token (≥ 16 characters) and scope "read-write" or "read-only".',
    });
  }
  return parsed.data.tokens;
}

function splitTokens(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean);
}

function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        dir: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'max-size': { type: 'string' },
        'max-record-size': { type: 'string' },
        'request-timeout': { type: 'string' },
        'token-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new ConfigError((error as Error).message, { hint: 'Run `reproml-cache --help` for the options.' });
  }
}
