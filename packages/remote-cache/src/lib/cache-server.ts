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

const GIB = 1024 ** 3;

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
  })
  .strict();

export type CacheServerOptions = z.input<typeof cacheServerOptionsSchema>;

export interface CacheServerParams extends CacheServerOptions {
  /** Access log sink; JSON Lines on stdout by default. */
  log?: AccessLogger;
  /** Another backend (e.g. S3-compatible); `dir` and `maxBytes` are then only used by the default one. */
  storage?: CacheStorage;
}

export interface CacheServer {
  /** Base URL for NX_SELF_HOSTED_REMOTE_CACHE_SERVER, e.g. http://127.0.0.1:41234 */
  url: string;
  storage: CacheStorage;
  close(): Promise<void>;
}

/** Thrown by the body reader when a PUT sends more than the record limit. */
class RequestTooLargeError extends Error {}

/**
 * Starts a server for Nx's self-hosted remote cache protocol:
 *   GET /v1/cache/{hash}  200 (tar archive) | 404
 *   PUT /v1/cache/{hash}  200 stored | 409 already stored | 403 read-only token | 413 too large
 *   any other request without a valid bearer token: 401; GET /health: 200 (no token needed)
 * Nx treats 409 and 403 on PUT as "not stored, carry on"; 201/202/204 would fail its run.
 */
export async function startCacheServer(params: CacheServerParams): Promise<CacheServer> {
  const { log = jsonLinesLogger(), storage: injected, ...rest } = params;
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

  const server = createServer((request, response) => {
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
    handleRequest({ request, response, entry, storage, tokens, maxRecordBytes })
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
}

async function handleRequest(context: RequestContext): Promise<void> {
  const { request, response, entry, storage, tokens } = context;
  if (entry.path === '/health') {
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(response, entry, 'GET, HEAD');
    return replyJson(response, entry, 200, 'health', { status: 'ok', ...storage.stats() });
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

async function handleGet({ response, entry, storage }: RequestContext, hash: string): Promise<void> {
  const result = await storage.get(hash);
  if (result.status !== 'hit') {
    if (result.status === 'corrupt') entry.detail = `quarantined: ${result.reason}`;
    return reply(response, entry, 404, result.status, 'not found\n');
  }
  entry.status = 200;
  entry.outcome = 'hit';
  response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(result.record.size) });
  await pipeline(result.body, response);
  entry.bytesOut = result.record.size;
}

async function handlePut(context: RequestContext, hash: string): Promise<void> {
  const { request, response, entry, storage, maxRecordBytes } = context;
  const declared = request.headers['content-length'] === undefined ? undefined : Number(request.headers['content-length']);
  if (declared !== undefined && declared > maxRecordBytes) return tooLarge(context);
  // Cheap early answer; the storage's commit decides for real when two PUTs race.
  if (await storage.has(hash)) return reply(response, entry, 409, 'exists', 'record already stored\n');
  let result: Awaited<ReturnType<CacheStorage['put']>>;
  try {
    result = await storage.put(hash, countedBody(request, entry, maxRecordBytes));
  } catch (error) {
    if (error instanceof RequestTooLargeError) return tooLarge(context);
    throw error;
  }
  if (result.status === 'exists') return reply(response, entry, 409, 'exists', 'record already stored\n');
  if (result.evicted.length) entry.evicted = result.evicted;
  return reply(response, entry, 200, 'stored', 'stored\n');
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
