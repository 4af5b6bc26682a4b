import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { ConfigError } from '@reproml/core';
import { z } from 'zod';
import { type AccessLogEntry, type AccessLogger, jsonLinesLogger } from './access-log';
import { AccessTokens, accessTokenSchema, canWrite } from './access-tokens';
import { type CacheStorage, isValidCacheHash } from './cache-storage';
import { FileSystemStorage } from './filesystem-storage';
import { ReadOnlyMode, type StorageAlert, stderrAlert } from './read-only-mode';
import { isOutOfSpace, StorageFailureError } from './storage-errors';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** Slowest upload the default request timeout still lets finish: a 1 GiB record at 1 MiB/s. */
export const MIN_UPLOAD_BYTES_PER_SECOND = MIB;

/**
 * Node cuts a request at 300 s by default, while a record may be 1 GiB. The default timeout
 * follows the record limit: a minute of headroom plus the record at MIN_UPLOAD_BYTES_PER_SECOND
 * (1 GiB → 1084 s), never less than Node's 300 s.
 */
export function defaultRequestTimeoutMs(maxRecordBytes: number): number {
  return Math.max(300_000, 60_000 + Math.ceil((maxRecordBytes / MIN_UPLOAD_BYTES_PER_SECOND) * 1000));
}

export const cacheServerOptionsSchema = z
  .object({
    dir: z.string().min(1).meta({ description: 'Folder of the filesystem storage (created if missing).' }),
    port: z.number().int().min(0).max(65535).default(0).meta({ description: 'TCP port; 0 picks a free one. Default 0.' }),
    host: z.string().default('127.0.0.1').meta({ description: 'Interface to listen on. Default 127.0.0.1 (this machine only).' }),
    tokens: z.array(accessTokenSchema).min(1),
    maxBytes: z
      .number()
      .int()
      .positive()
      .default(10 * GIB)
      .meta({ description: 'Storage size limit (LRU eviction). Default 10 GiB.' }),
    maxRecordBytes: z.number().int().positive().optional().meta({ description: 'Largest accepted PUT body (413 beyond). Default min(1 GiB, maxBytes).' }),
    requestTimeoutMs: z
      .number()
      .int()
      .positive()
      .optional()
      .meta({ description: 'Longest a request (an upload) may take before Node answers 408. Default from maxRecordBytes at 1 MiB/s + 60 s, at least 300 s.' }),
    readOnlyRetryMs: z
      .number()
      .int()
      .positive()
      .default(30_000)
      .meta({ description: 'While the storage refuses writes, one PUT per this interval tries the disk again. Default 30 s.' }),
  })
  .strict();

export type CacheServerOptions = z.input<typeof cacheServerOptionsSchema>;

export interface CacheServerParams extends CacheServerOptions {
  /** Access log sink; JSON Lines on stdout by default. */
  log?: AccessLogger;
  /** Another backend (e.g. S3-compatible); `dir` and `maxBytes` are then only used by the default one. */
  storage?: CacheStorage;
  /** Told when the storage stops or resumes taking writes, or fails a read; JSON on stderr by default. */
  alert?: StorageAlert;
}

export interface CacheServer {
  /** Base URL for NX_SELF_HOSTED_REMOTE_CACHE_SERVER, e.g. http://127.0.0.1:41234 */
  url: string;
  storage: CacheStorage;
  /** Node's request timeout in effect (see `defaultRequestTimeoutMs`). */
  requestTimeoutMs: number;
  close(): Promise<void>;
}

/** Thrown by the body reader when a PUT sends more than the record limit. */
class RequestTooLargeError extends Error {}

/**
 * Starts a server for Nx's self-hosted remote cache protocol:
 *   GET /v1/cache/{hash}  200 (tar archive) | 404
 *   PUT /v1/cache/{hash}  200 stored | 409 already stored | 403 read-only token or storage not writable | 413 too large
 *   any other request without a valid bearer token: 401
 *   GET /health: 200 ok | 503 read-only (hits still served) or unavailable, with the reason (no token needed)
 * Nx 22 treats 409 and 403 on PUT as "not stored, carry on" and 404 on GET as a miss; any other
 * status (201/202/204, 500, 503) fails its whole run, so a storage problem is never answered with one.
 */
export async function startCacheServer(params: CacheServerParams): Promise<CacheServer> {
  const { log = jsonLinesLogger(), storage: injected, alert = stderrAlert(), ...rest } = params;
  const options = cacheServerOptionsSchema.parse(rest);
  const maxRecordBytes = options.maxRecordBytes ?? Math.min(GIB, options.maxBytes);
  if (maxRecordBytes > options.maxBytes) {
    // One record larger than the whole cache would evict everything else and still not fit.
    throw new ConfigError(`maxRecordBytes (${maxRecordBytes}) is larger than maxBytes (${options.maxBytes})`, {
      field: 'maxRecordBytes',
      hint: 'Lower --max-record-size or raise --max-size.',
    });
  }
  const tokens = new AccessTokens(options.tokens);
  const storage = injected ?? (await FileSystemStorage.open({ dir: options.dir, maxBytes: options.maxBytes }));
  const readOnly = new ReadOnlyMode(options.readOnlyRetryMs, alert);
  const requestTimeoutMs = options.requestTimeoutMs ?? defaultRequestTimeoutMs(maxRecordBytes);
  const serverOptions = {
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(60_000, requestTimeoutMs),
    // Node checks the timeouts on this interval (30 s by default): a short timeout needs a shorter one.
    connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(requestTimeoutMs / 10))),
  };

  const server = createServer(serverOptions, (request, response) => {
    const entry: AccessLogEntry = {
      time: new Date().toISOString(),
      method: request.method ?? '',
      path: (request.url ?? '').split('?')[0]!,
      status: 0,
      outcome: '',
      hash: undefined,
      client: undefined,
      remoteAddress: request.socket.remoteAddress,
      bytesIn: 0,
      bytesOut: 0,
      durationMs: 0,
    };
    const started = performance.now();
    handleRequest({ request, response, entry, storage, tokens, maxRecordBytes, readOnly, alert })
      .catch((error: unknown) => {
        entry.outcome = 'error';
        entry.detail = error instanceof Error ? error.message : String(error);
        if (!response.headersSent) reply(response, entry, 500, 'error', 'internal error\n');
        else response.destroy();
      })
      .finally(() => {
        entry.durationMs = Math.round((performance.now() - started) * 10) / 10;
        if (!entry.status) entry.status = response.headersSent ? response.statusCode : 499;
        log(entry);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    storage,
    requestTimeoutMs,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await storage.close();
    },
  };
}

interface RequestContext {
  request: IncomingMessage;
  response: ServerResponse;
  entry: AccessLogEntry;
  storage: CacheStorage;
  tokens: AccessTokens;
  maxRecordBytes: number;
  readOnly: ReadOnlyMode;
  alert: StorageAlert;
}

async function handleRequest(context: RequestContext): Promise<void> {
  const { request, response, entry, tokens } = context;
  if (entry.path === '/health') {
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(response, entry, 'GET, HEAD');
    return handleHealth(context);
  }
  const match = /^\/v1\/cache\/([^/]*)$/.exec(entry.path);
  if (!match) return reply(response, entry, 404, 'not-found', 'not found\n');
  const hash = match[1]!;
  if (!isValidCacheHash(hash)) return reply(response, entry, 400, 'bad-request', 'invalid hash\n');
  entry.hash = hash;
  if (request.method !== 'GET' && request.method !== 'PUT') return methodNotAllowed(response, entry, 'GET, PUT');

  const authorization = tokens.authorize(request.headers.authorization);
  if (authorization.status !== 'granted') {
    response.setHeader('WWW-Authenticate', 'Bearer realm="reproml-cache"');
    entry.detail = authorization.reason === 'missing' ? 'no bearer token' : 'unknown token';
    return reply(response, entry, 401, 'unauthorized', 'missing or invalid bearer token\n');
  }
  entry.client = authorization.name;
  if (request.method === 'GET') return handleGet(context, hash);
  if (!canWrite(authorization.scope)) return reply(response, entry, 403, 'forbidden', 'this token is read-only\n');
  return handlePut(context, hash);
}

/**
 * 200 when records can be read and written; 503 with the reason otherwise: `read-only` (hits
 * are still served, uploads are answered 403) or `unavailable` (the storage folder is gone or
 * unreadable). A monitor or the CI preflight reads `status` and `reason`.
 */
async function handleHealth({ response, entry, storage, readOnly }: RequestContext): Promise<void> {
  const health = await storage.health();
  if (health.writable) readOnly.leave('probe');
  else readOnly.enter(health.reason ?? 'the storage cannot take writes', isOutOfSpace(health.code));
  const stats = storage.stats();
  if (!health.readable) {
    entry.detail = health.reason;
    return replyJson(response, entry, 503, 'unhealthy', { status: 'unavailable', reason: health.reason, readable: false, writable: false, ...stats });
  }
  if (readOnly.current !== undefined) {
    entry.detail = readOnly.current;
    return replyJson(response, entry, 503, 'read-only', { status: 'read-only', reason: readOnly.current, readable: true, writable: false, ...stats });
  }
  return replyJson(response, entry, 200, 'health', { status: 'ok', readable: true, writable: true, ...stats });
}

async function handleGet({ response, entry, storage, alert }: RequestContext, hash: string): Promise<void> {
  const result = await storage.get(hash);
  if (result.status !== 'hit') {
    if (result.status === 'corrupt') entry.detail = `quarantined: ${result.reason}`;
    if (result.status === 'unavailable') {
      // Not evidence of damage: the record stays. A 503 would fail the whole Nx run, a 404 reruns
      // the stage (whose PUT then gets 409, the record being kept).
      entry.detail = result.reason;
      alert({ event: 'storage-read-failed', hash, reason: result.reason });
    }
    return reply(response, entry, 404, result.status, 'not found\n');
  }
  entry.status = 200;
  entry.outcome = 'hit';
  response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(result.record.size) });
  await pipeline(result.body, response);
  entry.bytesOut = result.record.size;
}

async function handlePut(context: RequestContext, hash: string): Promise<void> {
  const { request, response, entry, storage, maxRecordBytes, readOnly } = context;
  const declared = request.headers['content-length'] === undefined ? undefined : Number(request.headers['content-length']);
  if (declared !== undefined && declared > maxRecordBytes) return tooLarge(context);
  if (!readOnly.admitWrite()) return notStored(context, 'read-only', readOnly.current ?? 'the storage cannot take writes');
  let result: Awaited<ReturnType<CacheStorage['put']>>;
  try {
    // Cheap early answer; the storage's commit decides for real when two PUTs race.
    if (await storage.has(hash)) return reply(response, entry, 409, 'exists', 'record already stored\n');
    result = await storage.put(hash, countedBody(request, entry, maxRecordBytes));
  } catch (error) {
    if (error instanceof RequestTooLargeError) return tooLarge(context);
    if (error instanceof StorageFailureError) result = { status: 'not-stored', kind: error.kind, code: error.code, reason: error.message };
    else throw error;
  }
  if (result.status === 'exists') return reply(response, entry, 409, 'exists', 'record already stored\n');
  if (result.status === 'not-stored') {
    if (result.kind === 'cannot-write') readOnly.enter(result.reason, isOutOfSpace(result.code));
    return notStored(context, 'not-stored', result.reason);
  }
  readOnly.leave('write');
  if (result.evicted.length) entry.evicted = result.evicted;
  return reply(response, entry, 200, 'stored', 'stored\n');
}

/**
 * The storage did not take the record: 403, which Nx reads as "not stored, carry on" (any
 * other status fails the team's run). The rest of the body is not read: close after answering.
 */
function notStored({ response, entry }: RequestContext, outcome: 'read-only' | 'not-stored', reason: string): void {
  response.setHeader('Connection', 'close');
  entry.detail = reason;
  reply(response, entry, 403, outcome, `not stored: the cache storage cannot take writes now (${reason})\n`);
}

async function* countedBody(request: IncomingMessage, entry: AccessLogEntry, maxBytes: number): AsyncGenerator<Uint8Array> {
  for await (const chunk of request as AsyncIterable<Buffer>) {
    entry.bytesIn += chunk.byteLength;
    if (entry.bytesIn > maxBytes) throw new RequestTooLargeError();
    yield chunk;
  }
}

function tooLarge({ response, entry, maxRecordBytes }: RequestContext): void {
  // The rest of the body is not worth reading: close the connection after answering.
  response.setHeader('Connection', 'close');
  entry.detail = `limit ${maxRecordBytes} bytes`;
  reply(response, entry, 413, 'too-large', `record larger than ${maxRecordBytes} bytes\n`);
}

function methodNotAllowed(response: ServerResponse, entry: AccessLogEntry, allow: string): void {
  response.setHeader('Allow', allow);
  reply(response, entry, 405, 'method-not-allowed', 'method not allowed\n');
}

function replyJson(response: ServerResponse, entry: AccessLogEntry, status: number, outcome: string, body: object): void {
  response.setHeader('Content-Type', 'application/json');
  reply(response, entry, status, outcome, `${JSON.stringify(body)}\n`);
}

function reply(response: ServerResponse, entry: AccessLogEntry, status: number, outcome: string, body: string): void {
  entry.status = status;
  entry.outcome = outcome;
  // Nx reads the body of a 401 only when the type is exactly text/plain (and shows it to the user).
  if (!response.hasHeader('Content-Type')) response.setHeader('Content-Type', 'text/plain');
  response.setHeader('Content-Length', Buffer.byteLength(body));
  response.writeHead(status);
  response.end(entry.method === 'HEAD' ? undefined : body);
}
