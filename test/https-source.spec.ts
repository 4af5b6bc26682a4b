import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoWorkspace } from './support/demo-pipeline';
import type { TempWorkspace } from './support/temp-workspace';

const CSV = 'id,value\n1,4\n2,8\n';

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

/** A pull stage over https:// against a TLS server on 127.0.0.1, through the real nx CLI. */
describe('https:// dataset sources (real nx CLI, local TLS server)', () => {
  let workspace: TempWorkspace;
  let server: Server;
  let certificate: { key: string; cert: string };
  let env: Record<string, string>;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reproml-tls-'));
    certificate = selfSignedCertificate(dir);
    server = createServer({ key: readFileSync(certificate.key), cert: readFileSync(certificate.cert) }, (request, response) => {
      if (request.url !== '/data/measurements.csv') {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'text/csv', 'content-length': Buffer.byteLength(CSV) }).end(CSV);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    workspace = createDemoWorkspace('https');
    workspace.write('pipelines/demo/web/stage.json', {
      kind: 'pull',
      files: { measurements: { source: `https://127.0.0.1:${port}/data/measurements.csv` } },
    });
    env = { REPROML_STORE_DIR: join(dir, 'store'), REPROML_HTTP_RETRIES: '1', REPROML_HTTP_RETRY_BASE_MS: '10' };
  });
  afterAll(async () => {
    workspace?.remove();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('refuses a server whose certificate is not trusted, saying how to trust it', async () => {
    const result = await workspace.nxAsync(['run', 'demo-web:lock'], env);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/The TLS certificate of 127\.0\.0\.1 is not trusted \(self[- ]signed certificate\)/);
    expect(result.output).toContain('NODE_EXTRA_CA_CERTS');
    expect(workspace.exists('pipelines/demo/web/stage.lock.json')).toBe(false);
  });

  it('locks and pulls the exact bytes once the certificate is trusted', async () => {
    const trusted = { ...env, NODE_EXTRA_CA_CERTS: certificate.cert };
    const lock = await workspace.nxAsync(['run', 'demo-web:lock'], trusted);
    expect(lock.status, lock.output).toBe(0);
    expect(JSON.parse(workspace.read('pipelines/demo/web/stage.lock.json')).files.measurements).toMatchObject({
      size: Buffer.byteLength(CSV),
      format: 'csv',
    });
    const run = await workspace.nxAsync(['run', 'demo-web:run', '--output-style=stream'], trusted);
    expect(run.status, run.output).toBe(0);
    expect(workspace.read('pipelines/demo/web/out/measurements.csv')).toBe(CSV);
  });

  it('nx g @reproml/nx:pipeline --data https://… locks the file through the same source as the lock target, and profiles it', async () => {
    const url = JSON.parse(workspace.read('pipelines/demo/web/stage.json')).files.measurements.source;
    const generate = ['g', '@reproml/nx:pipeline', 'web', '--data', url, '--target', 'value', '--no-interactive'];
    const untrusted = await workspace.nxAsync(generate, env);
    expect(untrusted.status).not.toBe(0);
    expect(untrusted.output).toMatch(/The TLS certificate of 127\.0\.0\.1 is not trusted/);
    expect(workspace.exists('pipelines/web')).toBe(false);

    const trusted = await workspace.nxAsync(generate, { ...env, NODE_EXTRA_CA_CERTS: certificate.cert });
    expect(trusted.status, trusted.output).toBe(0);
    expect(trusted.output).toContain('Profiled');
    const locked = JSON.parse(workspace.read('pipelines/demo/web/stage.lock.json')).files.measurements;
    expect(JSON.parse(workspace.read('pipelines/web/data/stage.lock.json')).files.measurements).toEqual(locked);
  });
});
