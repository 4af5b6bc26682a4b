import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoWorkspace } from './support/demo-pipeline';
import type { TempWorkspace } from './support/temp-workspace';
import { type LocalTlsServer, startLocalTlsServer } from './support/tls-server';

const CSV = 'id,value\n1,4\n2,8\n';

/** A pull stage over https:// against a TLS server on 127.0.0.1, through the real nx CLI. */
describe('https:// dataset sources (real nx CLI, local TLS server)', () => {
  let workspace: TempWorkspace;
  let server: LocalTlsServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startLocalTlsServer('tls', (request, response) => {
      if (request.url !== '/data/measurements.csv') {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'text/csv', 'content-length': Buffer.byteLength(CSV) }).end(CSV);
    });
    workspace = createDemoWorkspace('https');
    workspace.write('pipelines/demo/web/stage.json', {
      kind: 'pull',
      files: { measurements: { source: `${server.origin}/data/measurements.csv` } },
    });
    env = { REPROML_STORE_DIR: join(server.dir, 'store'), REPROML_HTTP_RETRIES: '1', REPROML_HTTP_RETRY_BASE_MS: '10' };
  });
  afterAll(async () => {
    workspace?.remove();
    await server?.close();
  });

  it('refuses a server whose certificate is not trusted, saying how to trust it', async () => {
    const result = await workspace.nxAsync(['run', 'demo-web:lock'], env);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/The TLS certificate of 127\.0\.0\.1 is not trusted \(self[- ]signed certificate\)/);
    expect(result.output).toContain('NODE_EXTRA_CA_CERTS');
    expect(workspace.exists('pipelines/demo/web/stage.lock.json')).toBe(false);
  });

  it('locks and pulls the exact bytes once the certificate is trusted', async () => {
    const trusted = { ...env, NODE_EXTRA_CA_CERTS: server.certFile };
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

    const trusted = await workspace.nxAsync(generate, { ...env, NODE_EXTRA_CA_CERTS: server.certFile });
    expect(trusted.status, trusted.output).toBe(0);
    expect(trusted.output).toContain('Profiled');
    const locked = JSON.parse(workspace.read('pipelines/demo/web/stage.lock.json')).files.measurements;
    expect(JSON.parse(workspace.read('pipelines/web/data/stage.lock.json')).files.measurements).toEqual(locked);
  });
});
