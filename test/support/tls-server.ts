import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A TLS server on 127.0.0.1 with a self-signed certificate, for tests of https:// sources. */
export interface LocalTlsServer {
  readonly port: number;
  /** `https://127.0.0.1:<port>`. */
  readonly origin: string;
  /** The certificate (PEM): `NODE_EXTRA_CA_CERTS` pointing at it makes clients trust the server. */
  readonly certFile: string;
  /** A temp folder removed with the server, for the test's own files (e.g. REPROML_STORE_DIR). */
  readonly dir: string;
  /** Stops the server and removes `dir`. */
  close(): Promise<void>;
}

/** Starts one on a free port; `handle` gets the port too (for redirects to the server itself). */
export async function startLocalTlsServer(
  label: string,
  handle: (request: IncomingMessage, response: ServerResponse, port: number) => void,
): Promise<LocalTlsServer> {
  const dir = mkdtempSync(join(tmpdir(), `reproml-${label}-`));
  const certificate = selfSignedCertificate(dir);
  let port = 0;
  const server = createServer({ key: readFileSync(certificate.key), cert: readFileSync(certificate.cert) }, (request, response) =>
    handle(request, response, port),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `https://127.0.0.1:${port}`,
    certFile: certificate.cert,
    dir,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A self-signed certificate for 127.0.0.1, made with the machine's openssl. */
function selfSignedCertificate(dir: string): { key: string; cert: string } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { key, cert };
}
