import { createHash } from 'node:crypto';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TempWorkspace } from './support/temp-workspace';
import { type LocalTlsServer, startLocalTlsServer } from './support/tls-server';

/**
 * The data source sweep: what an attacker, a misconfigured server or a careless symlink can
 * hand a pull stage, through the real nx CLI. Every case is a pull stage of one pipeline, all
 * locked in one `nx run-many -t lock --nxBail=false`; servers are a TLS server on 127.0.0.1
 * (trusted through NODE_EXTRA_CA_CERTS) and addresses that are refused before any connection.
 *
 * Each bad case must fail its stage with a typed error naming the stage, the stage file and the
 * field, and leave no lock behind; the good cases lock exactly the bytes of the file.
 */
const PIPELINE = 'sources';
const CSV = 'id,value\n1,4\n2,8\n3,15\n4,16\n5,23\n6,42\n';

interface Answer {
  status: number;
  headers: Record<string, string | number>;
  body?: Buffer | string;
}

const ok = (headers: Record<string, string | number>, body: Buffer | string): Answer => ({ status: 200, headers, body });
const redirect = (location: string): Answer => ({ status: 302, headers: { location } });

/** Routes of the local TLS server: each a way a server can mislead a client. */
function route(path: string, port: number): Answer {
  switch (path) {
    case '/plain.csv':
      return ok({ 'content-type': 'text/csv', 'content-length': Buffer.byteLength(CSV) }, CSV);
    case '/gzip.csv': {
      // A server (or CDN) that compresses on the fly: Content-Length counts the gzip bytes.
      const gzipped = gzipSync(CSV);
      return ok({ 'content-type': 'text/csv', 'content-encoding': 'gzip', 'content-length': gzipped.length }, gzipped);
    }
    case '/zstd.csv':
      return ok({ 'content-type': 'text/csv', 'content-encoding': 'zstd', 'content-length': 12 }, Buffer.alloc(12, 0x28));
    case '/to-http':
      return redirect('http://downgrade.invalid/plain.csv');
    case '/to-http-loopback':
      return redirect(`http://127.0.0.1:${port}/plain.csv`);
    case '/to-file':
      return redirect('file:///etc/passwd');
    case '/moved/data.csv':
      return redirect('/plain.csv');
    default:
      return { status: 404, headers: { 'content-length': 0 } };
  }
}

interface Case {
  stage: string;
  source: string;
  /** The error the stage's lock must fail with (after `error: [stage …, file …, field files.data.source]`). */
  error?: RegExp;
}

describe('data source sweep: symlinks, downgrades, redirects and encodings (real nx CLI)', () => {
  let workspace: TempWorkspace;
  let server: LocalTlsServer;
  let output: string;
  let status: number | null;
  const cases: Case[] = [];

  beforeAll(async () => {
    server = await startLocalTlsServer('source-sweep', (request, response, port) => {
      const answer = route(request.url ?? '', port);
      response.writeHead(answer.status, answer.headers).end(answer.body);
    });
    const dir = server.dir;
    const base = server.origin;

    workspace = TempWorkspace.create({ label: 'source-sweep', pipelines: [] });
    workspace.write(`pipelines/${PIPELINE}/raw/good.csv`, CSV);
    symlinkSync('/etc/passwd', workspace.path(`pipelines/${PIPELINE}/raw/passwd.csv`));
    symlinkSync(workspace.path(`pipelines/${PIPELINE}/raw/good.csv`), workspace.path(`pipelines/${PIPELINE}/raw/alias.csv`));
    cases.push(
      { stage: 'local-good', source: `pipelines/${PIPELINE}/raw/good.csv` },
      { stage: 'local-symlink-inside', source: `pipelines/${PIPELINE}/raw/alias.csv` },
      {
        stage: 'local-symlink-outside',
        source: `pipelines/${PIPELINE}/raw/passwd.csv`,
        error: /Source 'pipelines\/sources\/raw\/passwd\.csv' is a link to \/etc\/passwd, outside the workspace/,
      },
      { stage: 'url-plain', source: `${base}/plain.csv` },
      { stage: 'url-gzip', source: `${base}/gzip.csv` },
      { stage: 'url-redirect-https', source: `${base}/moved/data.csv` },
      {
        stage: 'url-zstd',
        source: `${base}/zstd.csv`,
        error: /zstd\.csv was sent with Content-Encoding 'zstd', which ReproML cannot decode/,
      },
      {
        stage: 'url-to-http',
        source: `${base}/to-http`,
        error: /to-http redirected to http:\/\/downgrade\.invalid\/plain\.csv: plain http:\/\/ is not allowed/,
      },
      {
        stage: 'url-to-http-loopback',
        source: `${base}/to-http-loopback`,
        error: /to-http-loopback redirected to http:\/\/127\.0\.0\.1:\d+\/plain\.csv: plain http:\/\/ is not allowed/,
      },
      { stage: 'url-to-file', source: `${base}/to-file`, error: /to-file redirected to file:\/\/\/etc\/passwd: file: URLs are not fetched/ },
      {
        stage: 'hub-plain-http',
        source: 'hf://datasets/acme/penguins/data/train.csv',
        error: /HF_ENDPOINT 'http:\/\/hub\.invalid' is refused: plain http:\/\/ is not allowed \(data and tokens would travel in the clear\)/,
      },
    );
    for (const { stage, source } of cases) workspace.write(`pipelines/${PIPELINE}/${stage}/stage.json`, { kind: 'pull', files: { data: { source } } });
    workspace.commitAll('source sweep');

    const result = await workspace.nxAsync(['run-many', '-t', 'lock', '--nxBail=false', '--output-style=stream', '--parallel=1'], {
      NODE_EXTRA_CA_CERTS: server.certFile,
      REPROML_STORE_DIR: join(dir, 'store'),
      REPROML_HTTP_RETRIES: '1',
      REPROML_HTTP_RETRY_BASE_MS: '10',
      HF_ENDPOINT: 'http://hub.invalid',
      HF_TOKEN: 'hf_sweepsecret0123456789',
    });
    output = result.output;
    status = result.status;
  });
  afterAll(async () => {
    workspace?.remove();
    await server?.close();
  });

  /** The lines nx printed for one task (`--output-style=stream` prefixes each with `<project>:lock: ` or `<project>: `). */
  const taskOutput = (project: string) =>
    output
      .split('\n')
      .filter((line) => line.startsWith(`${project}: `) || line.startsWith(`${project}:lock: `))
      .join('\n');

  it('refuses every bad source with a typed error naming the stage, the stage file and the field, and writes no lock', () => {
    expect(status).not.toBe(0);
    for (const { stage, error } of cases.filter((entry) => entry.error)) {
      const project = `${PIPELINE}-${stage}`;
      const printed = taskOutput(project);
      expect(printed, `${project}:\n${output}`).toMatch(error!);
      expect(printed, project).toContain(`[stage ${project}, file pipelines/${PIPELINE}/${stage}/stage.json, field files.data.source]`);
      expect(printed, project).not.toMatch(/TypeError|IncompleteDownloadError|^\s+at /m);
      expect(workspace.exists(`pipelines/${PIPELINE}/${stage}/stage.lock.json`), project).toBe(false);
    }
    // The token never leaves for a plain-http Hub, and never shows in the output.
    expect(output).not.toContain('hf_sweepsecret0123456789');
    expect(output).not.toContain('root:x:0:0');
  });

  it('locks the bytes of the file itself: a gzip-encoded answer, a same-origin redirect and a link inside the workspace', () => {
    const sha256 = createHash('sha256').update(CSV).digest('hex');
    for (const stage of ['local-good', 'local-symlink-inside', 'url-plain', 'url-gzip', 'url-redirect-https']) {
      const lock = JSON.parse(workspace.read(`pipelines/${PIPELINE}/${stage}/stage.lock.json`));
      expect(lock.files.data, `${stage}:\n${taskOutput(`${PIPELINE}-${stage}`)}`).toMatchObject({ sha256, size: Buffer.byteLength(CSV) });
    }
  });
});
