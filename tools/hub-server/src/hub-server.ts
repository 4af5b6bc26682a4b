import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { type HubAccount, type HubTokenRole, isMember } from './hub-accounts';
import { HubFaults } from './hub-faults';
import { sendError, sendJson } from './hub-http';
import { REF_ROUTES } from './hub-ref-routes';
import { type HubCommit, type HubRepo, HubRepos, type HubRepoType } from './hub-repos';
import { UPLOAD_ROUTES } from './hub-upload-routes';

export { sendError, sendJson } from './hub-http';

/**
 * A Hugging Face Hub–compatible HTTP server for tests, on 127.0.0.1 and a random port. It
 * speaks the endpoints `@huggingface/hub` calls for reading (repo info, tree, paths-info,
 * commits, whoami, resolve with Range/ETag/Content-Range) and writing (repo creation,
 * preupload, LFS batch + upload, ndjson commit; see hub-upload-routes.ts), keeps repos in
 * memory, checks `hf_` tokens, and can inject faults. Routes are a table.
 */
export interface HubServer {
  /** Base URL to pass as `hubUrl` / `HF_ENDPOINT`, e.g. http://127.0.0.1:41234 */
  url: string;
  /**
   * What a client of this server needs in its environment: HF_ENDPOINT and the opt-in
   * REPROML_ALLOW_HTTP_LOCALHOST=1 (the transport policy refuses plain http otherwise).
   */
  env: { HF_ENDPOINT: string; REPROML_ALLOW_HTTP_LOCALHOST: '1' };
  repos: HubRepos;
  faults: HubFaults;
  /** `METHOD path` of every request received, in order. */
  requests: string[];
  /** LFS objects received (sha256 → bytes), each checked against its sha256 on upload. */
  lfs: ReadonlyMap<string, Uint8Array>;
  /** Registers a token (must start with `hf_`) for a user: `write` by default, member of `orgs` (whose repos it may read and, with a write token, write). */
  addToken(token: string, user: string, options?: { role?: HubTokenRole; orgs?: string[] }): void;
  close(): Promise<void>;
}

export interface HubRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  params: string[];
  headers: IncomingMessage['headers'];
  /** The user of a valid `Authorization: Bearer hf_…` token, if any. */
  user?: string;
  /** That token's account: role and organisations. */
  account?: HubAccount;
  /** True when a token was sent but is unknown. */
  badToken: boolean;
  body(): Promise<Buffer>;
}

export interface HubRoute {
  method: string | string[];
  pattern: RegExp;
  handle(request: HubRequest, response: ServerResponse, server: HubServerState): Promise<void> | void;
}

export interface HubServerState {
  repos: HubRepos;
  faults: HubFaults;
  tokens: Map<string, HubAccount>;
  /** The server's own base URL (LFS upload hrefs point at it). */
  baseUrl: string;
  /** Uploaded LFS objects by sha256. */
  lfs: Map<string, Uint8Array>;
  /** One-time upload tokens handed out in LFS upload hrefs. */
  lfsUploadTokens: Map<string, { oid: string; size: number }>;
}

/**
 * An IPv4 address of this machine that is not loopback (e.g. eth0's), for a hub-server that
 * the transport policy must treat as another machine; undefined when the machine has none.
 */
export function nonLoopbackAddress(): string | undefined {
  for (const entries of Object.values(networkInterfaces())) {
    const entry = entries?.find((candidate) => candidate.family === 'IPv4' && !candidate.internal);
    if (entry) return entry.address;
  }
  return undefined;
}

export interface StartHubServerOptions {
  /** Extra routes, tried before the built-in ones (e.g. the upload side). */
  routes?: HubRoute[];
  /** The address to listen on: 127.0.0.1 unless a test needs a server that is not on loopback (e.g. this machine's eth0 address). */
  host?: string;
}

export async function startHubServer(options: StartHubServerOptions = {}): Promise<HubServer> {
  const state: HubServerState = { repos: new HubRepos(), faults: new HubFaults(), tokens: new Map(), baseUrl: '', lfs: new Map(), lfsUploadTokens: new Map() };
  const routes = [...(options.routes ?? []), ...UPLOAD_ROUTES, ...REF_ROUTES, ...READ_ROUTES];
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    void dispatch(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'InternalError', (error as Error).message);
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const line = `${method} ${url.pathname}`;
    requests.push(line);
    const fault = state.faults.take(line, { full: method === 'GET' && !req.headers.range && /\/resolve\//.test(url.pathname) });
    if (fault?.kind === 'stall') return;
    if (fault?.kind === 'barrier') await fault.arrived;
    if (fault?.kind === 'status') return sendError(res, fault.status, 'InjectedFault', `injected ${fault.status}`);
    if (fault?.kind === 'truncate') res.setHeader('X-Test-Truncate', '1');
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    for (const route of routes) {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const match = methods.includes(method) ? route.pattern.exec(url.pathname) : null;
      if (!match) continue;
      const request: HubRequest = {
        method,
        path: url.pathname,
        query: url.searchParams,
        params: match.slice(1).map((part) => (part === undefined ? '' : decodeURIComponent(part))),
        headers: req.headers,
        user: token ? state.tokens.get(token)?.user : undefined,
        account: token ? state.tokens.get(token) : undefined,
        badToken: token !== undefined && !state.tokens.has(token),
        body: () => readBody(req),
      };
      await route.handle(request, res, state);
      return;
    }
    sendError(res, 404, 'NotFound', `no route for ${line}`);
  }

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  state.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: state.baseUrl,
    env: { HF_ENDPOINT: state.baseUrl, REPROML_ALLOW_HTTP_LOCALHOST: '1' },
    repos: state.repos,
    faults: state.faults,
    requests,
    lfs: state.lfs,
    addToken: (token, user, options = {}) => {
      if (!token.startsWith('hf_')) throw new Error("tokens must start with 'hf_'");
      state.tokens.set(token, { user, role: options.role ?? 'write', orgs: options.orgs ?? [] });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const TYPE_OF_SEGMENT: Record<string, HubRepoType> = { models: 'model', datasets: 'dataset' };

/**
 * Finds the repo and checks read access the way the Hub does: a private repo answers 401
 * without a valid token, and 404 (not 403, so that names do not leak) to other users.
 */
export function findReadableRepo(state: HubServerState, request: HubRequest, res: ServerResponse, type: HubRepoType, name: string): HubRepo | undefined {
  if (request.badToken) {
    sendError(res, 401, 'InvalidCredentials', 'Invalid credentials in Authorization header');
    return undefined;
  }
  const repo = state.repos.get(type, name);
  if (repo?.isPrivate && !request.user) {
    sendError(res, 401, 'RepoNotFound', `Repository not found: authentication required for ${name}`);
    return undefined;
  }
  if (!repo || (repo.isPrivate && !isMember(request.account, repo.namespace))) {
    sendError(res, 404, 'RepoNotFound', `Repository not found: ${name}`);
    return undefined;
  }
  return repo;
}

function findCommit(repo: HubRepo, revision: string, res: ServerResponse): HubCommit | undefined {
  const commit = repo.resolve(revision);
  if (!commit) sendError(res, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
  return commit;
}

/** Git's blob id for regular files, sha256 for LFS-sized ones, as the Hub reports them. */
function fileEntry(path: string, content: Uint8Array): Record<string, unknown> {
  const sha256 = createHash('sha256').update(content).digest('hex');
  const oid = createHash('sha1').update(`blob ${content.byteLength}\0`).update(content).digest('hex');
  return { type: 'file', path, size: content.byteLength, oid, lfs: { oid: sha256, size: content.byteLength, pointerSize: 134 } };
}

function repoInfo(repo: HubRepo, commit: HubCommit): Record<string, unknown> {
  return {
    _id: createHash('sha1').update(repo.fullName).digest('hex').slice(0, 24),
    id: repo.fullName,
    private: repo.isPrivate,
    sha: commit.oid,
    lastModified: commit.date,
    downloads: 0,
    likes: 0,
    gated: false,
    siblings: [...commit.files.keys()].sort().map((rfilename) => ({ rfilename })),
  };
}

const NAME = '([^/]+/[^/]+)';
const REV = '([^/]+)';

const READ_ROUTES: HubRoute[] = [
  {
    method: 'GET',
    pattern: /^\/api\/whoami-v2$/,
    handle: (request, res) => {
      const account = request.account;
      if (!account) return sendError(res, 401, 'Unauthorized', 'Invalid credentials in Authorization header');
      sendJson(res, 200, {
        type: 'user',
        id: account.user,
        name: account.user,
        fullname: account.user,
        orgs: account.orgs.map((org) => ({ type: 'org', id: org, name: org, fullname: org })),
        auth: { type: 'access_token', accessToken: { displayName: 'test', role: account.role, createdAt: '2024-01-01T00:00:00.000Z' } },
      });
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/(models|datasets)/${NAME}(?:/revision/${REV})?$`),
    handle: (request, res, state) => {
      const [segment, name, revision] = request.params as [string, string, string];
      const repo = findReadableRepo(state, request, res, TYPE_OF_SEGMENT[segment]!, name);
      const commit = repo && findCommit(repo, revision || 'HEAD', res);
      if (repo && commit) sendJson(res, 200, repoInfo(repo, commit));
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/(models|datasets)/${NAME}/tree/${REV}(?:/(.*))?$`),
    handle: (request, res, state) => {
      const [segment, name, revision, prefix] = request.params as [string, string, string, string];
      const repo = findReadableRepo(state, request, res, TYPE_OF_SEGMENT[segment]!, name);
      const commit = repo && findCommit(repo, revision, res);
      if (!commit) return;
      const recursive = request.query.get('recursive') === 'true';
      const base = prefix ? `${prefix.replace(/\/$/, '')}/` : '';
      const entries = new Map<string, Record<string, unknown>>();
      for (const [path, content] of [...commit.files].sort(([a], [b]) => a.localeCompare(b))) {
        if (!path.startsWith(base)) continue;
        const rest = path.slice(base.length);
        const slash = rest.indexOf('/');
        if (slash === -1 || recursive) entries.set(path, fileEntry(path, content));
        if (slash !== -1) {
          const dir = base + rest.slice(0, slash);
          entries.set(dir, { type: 'directory', path: dir, size: 0, oid: createHash('sha1').update(dir).digest('hex') });
        }
      }
      sendJson(res, 200, [...entries.values()]);
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/api/(models|datasets)/${NAME}/paths-info/${REV}$`),
    handle: async (request, res, state) => {
      const [segment, name, revision] = request.params as [string, string, string];
      const repo = findReadableRepo(state, request, res, TYPE_OF_SEGMENT[segment]!, name);
      const commit = repo && findCommit(repo, revision, res);
      if (!commit) return;
      const raw = (await request.body()).toString('utf8');
      const contentType = request.headers['content-type'] ?? '';
      const paths: string[] = contentType.includes('json') ? (JSON.parse(raw) as { paths: string[] }).paths : new URLSearchParams(raw).getAll('paths');
      const found = paths.flatMap((path) => {
        const content = commit.files.get(path);
        return content ? [{ ...fileEntry(path, content), lastCommit: { id: commit.oid, title: commit.message, date: commit.date } }] : [];
      });
      sendJson(res, 200, found);
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/(models|datasets)/${NAME}/commits/${REV}$`),
    handle: (request, res, state) => {
      const [segment, name, revision] = request.params as [string, string, string];
      const repo = findReadableRepo(state, request, res, TYPE_OF_SEGMENT[segment]!, name);
      let commit = repo && findCommit(repo, revision, res);
      const history: Record<string, unknown>[] = [];
      while (commit) {
        history.push({ id: commit.oid, title: commit.message, message: commit.message, authors: [{ user: repo!.namespace }], date: commit.date });
        commit = commit.parent ? repo!.commits.get(commit.parent) : undefined;
      }
      if (repo && history.length) sendJson(res, 200, history, { 'X-Total-Count': String(history.length) });
    },
  },
  {
    method: ['GET', 'HEAD'],
    pattern: new RegExp(`^/(datasets/)?${NAME}/resolve/${REV}/(.+)$`),
    handle: (request, res, state) => {
      const [datasets, name, revision, path] = request.params as [string, string, string, string];
      const repo = findReadableRepo(state, request, res, datasets ? 'dataset' : 'model', name);
      const commit = repo && findCommit(repo, revision, res);
      if (!commit) return;
      const content = commit.files.get(path);
      if (!content) return sendError(res, 404, 'EntryNotFound', `${path} does not exist at revision ${revision}`);
      serveFile({ request, res, content, commit });
    },
  },
];

function serveFile(params: { request: HubRequest; res: ServerResponse; content: Uint8Array; commit: HubCommit }): void {
  const { request, res, content, commit } = params;
  const etag = `"${createHash('sha256').update(content).digest('hex')}"`;
  const headers: Record<string, string> = {
    'Content-Type': 'application/octet-stream',
    ETag: etag,
    'X-Repo-Commit': commit.oid,
    'Accept-Ranges': 'bytes',
  };
  const range = /^bytes=(\d+)-(\d*)$/.exec(String(request.headers.range ?? ''));
  if (range) {
    const start = Number(range[1]);
    const end = Math.min(range[2] ? Number(range[2]) : content.byteLength - 1, content.byteLength - 1);
    if (start >= content.byteLength) {
      res.writeHead(416, { ...headers, 'Content-Range': `bytes */${content.byteLength}` });
      res.end();
      return;
    }
    const slice = content.subarray(start, end + 1);
    res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${content.byteLength}`, 'Content-Length': slice.byteLength });
    res.end(request.method === 'HEAD' ? undefined : slice);
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': content.byteLength });
  if (request.method === 'HEAD') return void res.end();
  if (res.getHeader('X-Test-Truncate')) {
    res.write(content.subarray(0, Math.floor(content.byteLength / 2)), () => res.destroy());
    return;
  }
  res.end(content);
}
