import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Table } from '@reproml/core';
import type { Predictions } from '@reproml/onnx';
import { Admission, shuttingDown } from './admission';
import { datatypeOf, inferRequestTable } from './infer-request';
import { ModelHost, type ModelHostEvents } from './model-host';
import type { ModelSource } from './model-source';
import { type Answering, inferResponse, outputMetadata, outputNames, rowsResponseJson } from './prediction-response';
import { parseJsonBody, readBody } from './read-body';
import { RequestError } from './request-error';
import { requestPath } from './request-path';
import { matchRoute, type Route } from './routes';
import { rowsRequestTable } from './rows-request';
import { ServeMetrics } from './serve-metrics';
import { type ServeOptions, type ServeOptionsInput, serveOptionsSchema } from './serve-options';
import type { ServedModel } from './served-model';

/** Where served predictions go besides the response (the traffic log). */
export interface PredictionSink {
  record(model: Answering, table: Table, predictions: Predictions): void;
  close(): Promise<void>;
}

export interface StartServerParams {
  source: ModelSource;
  options?: ServeOptionsInput;
  events?: ModelHostEvents;
  sink?: PredictionSink;
}

export interface InferenceServer {
  url: string;
  options: ServeOptions;
  host: ModelHost;
  metrics: ServeMetrics;
  admission: Admission;
  /** Graceful stop: refuse new requests (503), finish admitted ones, close connections, release sessions. */
  drain(): Promise<void>;
}

const SERVER_NAME = 'reproml';
const SERVER_VERSION: string = require('../../package.json').version;

/** Starts the server: loads and warms the model first, then listens. */
export async function startInferenceServer(params: StartServerParams): Promise<InferenceServer> {
  const options = serveOptionsSchema.parse(params.options ?? {});
  const events = params.events ?? { log: () => {}, warn: () => {} };
  const metrics = new ServeMetrics();
  const host = new ModelHost(params.source, { ...options, onRun: (rows) => metrics.batchRows.observe(rows) }, metrics, events);
  await host.start();
  const admission = new Admission(options.maxInFlight, (active) => metrics.inFlight.set({}, active));
  const context: HandlerContext = { options, host, metrics, admission, sink: params.sink };

  const server = createServer(
    {
      headersTimeout: options.headersTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      // How often Node checks the two timeouts above (default 30 s would let slow clients linger).
      connectionsCheckingInterval: Math.min(1_000, options.headersTimeoutMs),
    },
    (request, response) => void handle(context, request, response),
  );
  // A client that sends garbage gets a 400 from Node; never an unhandled error.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') return void socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    socket.end(
      `HTTP/1.1 ${status} ${status === 408 ? 'Request Timeout' : status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostname = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let draining: Promise<void> | undefined;
  const drain = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const timeout = setTimeout(() => server.closeAllConnections(), options.drainTimeoutMs);
    await admission.drain();
    server.closeIdleConnections();
    await closed;
    clearTimeout(timeout);
    await host.stop();
    await params.sink?.close();
  };
  return {
    url: `http://${hostname}:${address.port}`,
    options,
    host,
    metrics,
    admission,
    drain: () => (draining ??= drain()),
  };
}

interface HandlerContext {
  options: ServeOptions;
  host: ModelHost;
  metrics: ServeMetrics;
  admission: Admission;
  sink?: PredictionSink;
}

async function handle(context: HandlerContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const started = process.hrtime.bigint();
  const path = requestPath(request.url);
  const route = matchRoute(path);
  let status = 500;
  try {
    if (!route)
      throw new RequestError(404, `no endpoint ${path}`, {
        hint: 'Endpoints: /v2, /v2/health/{live,ready}, /v2/models/<name>[/versions/<v>][/infer|/ready], /predict, /metrics.',
      });
    if (request.method !== route.method && !(route.method === 'GET' && request.method === 'HEAD')) {
      throw new RequestError(405, `${path} takes ${route.method}, not ${request.method}`, { headers: { allow: route.method } });
    }
    const { body, contentType } = await respond(context, route, request);
    status = 200;
    send(response, status, body, contentType, context.admission.isDraining);
  } catch (error) {
    status = error instanceof RequestError ? error.status : 500;
    const refusal = error instanceof RequestError ? error : new RequestError(500, `internal error: ${(error as Error).message}`);
    if (status === 500) console.error(error);
    send(
      response,
      status,
      refusal.body(),
      'application/json',
      context.admission.isDraining || refusal.details.headers?.['connection'] === 'close',
      refusal.details.headers,
    );
    // An unread body (413) is discarded rather than left in the socket.
    if (!request.complete) request.resume();
  } finally {
    const name = route?.name ?? 'unknown';
    context.metrics.requests.inc({ route: name, status: String(status) });
    context.metrics.latency.observe(Number(process.hrtime.bigint() - started) / 1e9, { route: name });
  }
}

function send(response: ServerResponse, status: number, body: unknown, contentType: string, close: boolean, headers: Record<string, string> = {}): void {
  if (response.headersSent || response.destroyed) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  response.end(text);
}

async function respond(context: HandlerContext, route: Route, request: IncomingMessage): Promise<{ body: unknown; contentType: string }> {
  const json = (body: unknown) => ({ body, contentType: 'application/json' });
  const { host, admission } = context;
  switch (route.name) {
    case 'live':
      return json({ live: true });
    case 'ready':
      if (admission.isDraining || !host.current) throw shuttingDown();
      return json({ ready: true });
    case 'server-metadata':
      return json({ name: SERVER_NAME, version: SERVER_VERSION, extensions: [] });
    case 'metrics':
      return { body: context.metrics.render(), contentType: 'text/plain; version=0.0.4; charset=utf-8' };
    case 'model-metadata':
      return json(modelMetadata(context, modelAt(context, route)));
    case 'model-ready':
      modelAt(context, route);
      if (admission.isDraining) throw shuttingDown();
      return json({ name: route.model, ready: true });
    case 'infer':
    case 'predict':
      return json(await infer(context, route, request));
  }
}

/** The served model if the path names it (and, when given, its loaded version); else 404. */
function modelAt(context: HandlerContext, route: { model: string; version?: string }): ServedModel {
  const served = context.host.current;
  if (!served) throw shuttingDown();
  if (route.model !== served.name) throw new RequestError(404, `this server serves model '${served.name}', not '${route.model}'`, { field: 'model' });
  if (route.version !== undefined && route.version !== String(served.version)) {
    throw new RequestError(404, `${served.name} version ${route.version} is not loaded: ${context.host.source.label} is v${served.version}`, {
      field: 'version',
      hint: `Leave the version out of the path to use the one being served (v${served.version}).`,
    });
  }
  return served;
}

function modelMetadata(context: HandlerContext, served: ServedModel) {
  const source = context.host.source;
  return {
    name: served.name,
    versions: [String(served.version)],
    platform: 'onnxruntime_onnx',
    inputs: served.signature.rawInputs.map((input) => ({ name: input.name, datatype: datatypeOf(input.kind), shape: [-1, 1] })),
    outputs: outputMetadata(served.signature),
    parameters: {
      version: served.version,
      fingerprint: served.fingerprint,
      source: source.label,
      ...(source.alias ? { alias: source.alias } : {}),
      task: served.signature.task,
      ...(served.signature.classes ? { classes: served.signature.classes } : {}),
    },
  };
}

async function infer(context: HandlerContext, route: Route, request: IncomingMessage): Promise<unknown> {
  const done = context.admission.admit();
  try {
    const body = parseJsonBody(await readBody(request, context.options.maxBodyBytes));
    const served = route.name === 'infer' ? modelAt(context, route) : context.host.current;
    if (!served) throw shuttingDown();
    const release = served.lease();
    try {
      if (route.name === 'infer') {
        const parsed = inferRequestTable(served.signature, body, outputNames(served.signature));
        const predictions = await served.predict(parsed.table);
        context.sink?.record(served, parsed.table, predictions);
        return inferResponse(served, predictions, parsed);
      }
      const table = rowsRequestTable(served.signature, body);
      const predictions = await served.predict(table);
      context.sink?.record(served, table, predictions);
      return rowsResponseJson(served, predictions);
    } finally {
      release();
    }
  } finally {
    done();
  }
}
