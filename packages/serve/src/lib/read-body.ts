import type { IncomingMessage } from 'node:http';
import { RequestError } from './request-error';

/** The status recorded (in /metrics; nothing can be sent) for a request whose connection closed mid-body, as nginx counts it. */
export const CLIENT_CLOSED = 499;

/**
 * The request body, refused with 413 as soon as it is known to exceed `maxBytes` (from
 * Content-Length before reading, else while reading). Slow bodies are cut by the server's
 * requestTimeout (408), not here.
 */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  // Stream events, not `for await`: an async iterator costs several promises per request.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: RequestError) => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onClosed);
      request.off('close', onClosed);
      if (error) reject(error);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish(tooLarge(maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    // The connection closed mid-body (the client gave up, or the request timeout cut it: Node sent the 408).
    const onClosed = () => finish(new RequestError(CLIENT_CLOSED, 'the client closed the connection before the body was complete'));
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onClosed);
    request.on('close', onClosed);
  });
}

function tooLarge(maxBytes: number): RequestError {
  return new RequestError(413, `request body is larger than ${maxBytes} bytes`, {
    hint: 'Send fewer rows per request (or start the server with a larger --max-body-bytes).',
    headers: { connection: 'close' },
  });
}

/** Parses a JSON body; malformed JSON is a 400 with the parser's position. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0)
    throw new RequestError(400, 'the request body is empty; send a JSON object', { hint: 'Set Content-Type: application/json and send a body.' });
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new RequestError(400, `the request body is not valid JSON: ${(error as Error).message}`, { hint: 'Check the body with a JSON validator.' });
  }
}
