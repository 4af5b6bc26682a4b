/**
 * The HTTP floor of bench/serve: a plain `node:http` server that reads each body, parses
 * its JSON and answers a fixed prediction-sized JSON response, with no model, validation or
 * batching. Its requests/s under the same load is the most any Node HTTP server answers on
 * this machine with this load generator: the ceiling of a served model with one row per
 * request. Prints the URL like server.ts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const RESPONSE = JSON.stringify({
  model: 'species',
  version: 1,
  fingerprint: '0'.repeat(64),
  predictions: [{ label: 'adelie', probability_adelie: 0.5, probability_chinstrap: 0.25, probability_gentoo: 0.25 }],
});

const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(RESPONSE) });
    response.end(RESPONSE);
  });
});
server.listen(0, '127.0.0.1', () => console.log(`listening at http://127.0.0.1:${(server.address() as AddressInfo).port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
