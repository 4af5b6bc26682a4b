import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { isMember } from './hub-accounts';
import { sendError, sendJson } from './hub-http';
import type { HubRepo, HubRepoType } from './hub-repos';
import type { HubRequest, HubRoute, HubServerState } from './hub-server';

const NAME = '([^/]+/[^/]+)';
const REV = '([^/]+)';
const TYPE_OF_SEGMENT: Record<string, HubRepoType> = { models: 'model', datasets: 'dataset' };

/** Files the real Hub's default .gitattributes sends through LFS, plus anything over 10 MB. */
const LFS_EXTENSIONS = /\.(onnx|bin|safetensors|parquet|pt|pth|h5|pkl|npy|npz|zip|gz|tar)$/i;
const LFS_SIZE = 10 * 1024 * 1024;
const DEFAULT_GITATTRIBUTES = `${['*.onnx', '*.bin', '*.safetensors', '*.parquet'].map((glob) => `${glob} filter=lfs diff=lfs merge=lfs -text`).join('\n')}\n`;

/**
 * The write side of the Hub as @huggingface/hub uses it: create a repo, preupload (the
 * server picks `lfs` or `regular` per file), the LFS batch API (basic transfer; the upload
 * href carries a one-time token because the client sends no Authorization on the PUT),
 * the PUT itself (checked against the announced size and sha256), and the ndjson commit.
 */
export const UPLOAD_ROUTES: HubRoute[] = [
  {
    method: 'POST',
    pattern: /^\/api\/repos\/create$/,
    handle: async (request, res, state) => {
      const user = requireWriter(request, res, state);
      if (!user) return;
      const body = JSON.parse((await request.body()).toString('utf8')) as {
        name?: string;
        organization?: string;
        type?: string;
        private?: boolean;
        visibility?: string;
      };
      const namespace = body.organization ?? user;
      if (request.account?.role === 'read') return sendError(res, 403, 'Forbidden', 'This token is read-only: it cannot create repos');
      const type: HubRepoType = body.type === 'dataset' ? 'dataset' : 'model';
      if (!body.name || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(body.name) || body.name.includes('..') || body.name.includes('--')) {
        return sendError(res, 400, 'InvalidRepoName', `Invalid repo name: ${body.name}`);
      }
      if (!isMember(request.account, namespace)) return sendError(res, 403, 'Forbidden', `You don't have the rights to create a repo under ${namespace}`);
      const fullName = `${namespace}/${body.name}`;
      if (state.repos.get(type, fullName)) return sendError(res, 409, 'RepoExists', `You already created this ${type} repo: ${fullName}`);
      const isPrivate = body.visibility ? body.visibility !== 'public' : (body.private ?? false);
      // Like the Hub: a new repo starts with one commit holding the default .gitattributes.
      state.repos
        .create({ type, name: fullName, private: isPrivate })
        .commit({ message: 'initial commit', files: { '.gitattributes': DEFAULT_GITATTRIBUTES } });
      sendJson(res, 200, { url: `${state.baseUrl}/${type === 'dataset' ? 'datasets/' : ''}${fullName}`, name: fullName, id: fullName });
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/api/(models|datasets)/${NAME}/preupload/${REV}$`),
    handle: async (request, res, state) => {
      const [segment, name] = request.params as [string, string, string];
      if (!findWritableRepo(state, request, res, TYPE_OF_SEGMENT[segment]!, name)) return;
      const body = JSON.parse((await request.body()).toString('utf8')) as { files: { path: string; size: number }[] };
      sendJson(res, 200, {
        files: body.files.map((file) => ({
          path: file.path,
          uploadMode: LFS_EXTENSIONS.test(file.path) || file.size > LFS_SIZE ? 'lfs' : 'regular',
          shouldIgnore: false,
        })),
      });
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/(datasets/)?${NAME}\\.git/info/lfs/objects/batch$`),
    handle: async (request, res, state) => {
      const [datasets, name] = request.params as [string, string];
      if (!findWritableRepo(state, request, res, datasets ? 'dataset' : 'model', name)) return;
      const body = JSON.parse((await request.body()).toString('utf8')) as { operation: string; transfers?: string[]; objects: { oid: string; size: number }[] };
      if (body.operation !== 'upload') return sendError(res, 400, 'BadRequest', `unsupported LFS operation ${body.operation}`);
      if (body.transfers && !body.transfers.includes('basic')) return sendError(res, 400, 'BadRequest', 'only the basic transfer is supported');
      sendJson(
        res,
        200,
        {
          transfer: 'basic',
          objects: body.objects.map((object) => {
            if (!/^[0-9a-f]{64}$/.test(object.oid)) return { oid: object.oid, size: object.size, error: { code: 422, message: 'oid should be a sha256' } };
            if (state.lfs.has(object.oid)) return { oid: object.oid, size: object.size, authenticated: true };
            const uploadToken = randomBytes(16).toString('hex');
            state.lfsUploadTokens.set(uploadToken, { oid: object.oid, size: object.size });
            return {
              oid: object.oid,
              size: object.size,
              authenticated: true,
              actions: { upload: { href: `${state.baseUrl}/lfs-upload/${object.oid}?upload_token=${uploadToken}`, expires_in: 3600 } },
            };
          }),
        },
        { 'Content-Type': 'application/vnd.git-lfs+json' },
      );
    },
  },
  {
    method: 'PUT',
    pattern: /^\/lfs-upload\/([0-9a-f]{64})$/,
    handle: async (request, res, state) => {
      const [oid] = request.params as [string];
      const grant = state.lfsUploadTokens.get(request.query.get('upload_token') ?? '');
      if (!grant || grant.oid !== oid) return sendError(res, 403, 'Forbidden', 'invalid or expired upload token');
      const content = await request.body();
      const sha256 = createHash('sha256').update(content).digest('hex');
      if (content.byteLength !== grant.size || sha256 !== oid) {
        return sendError(
          res,
          400,
          'ChecksumMismatch',
          `uploaded object has size ${content.byteLength} and sha256 ${sha256}, expected ${grant.size} and ${oid}`,
        );
      }
      state.lfs.set(oid, new Uint8Array(content));
      res.writeHead(200, { ETag: `"${oid}"` });
      res.end();
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/api/(models|datasets)/${NAME}/commit/${REV}$`),
    handle: async (request, res, state) => {
      const [segment, name, branch] = request.params as [string, string, string];
      const repo = findWritableRepo(state, request, res, TYPE_OF_SEGMENT[segment]!, name);
      if (!repo) return;
      const lines = (await request.body())
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { key: string; value: Record<string, unknown> });
      const header = lines.find((line) => line.key === 'header')?.value as { summary?: string; description?: string; parentCommit?: string } | undefined;
      if (!header?.summary) return sendError(res, 400, 'BadRequest', 'commit header with a summary is required');
      const head = repo.branches.get(branch) ?? null;
      if (header.parentCommit && header.parentCommit !== head) {
        return sendError(res, 412, 'PreconditionFailed', `parent commit ${header.parentCommit} is not the head of ${branch} (${head})`);
      }
      const files: Record<string, Uint8Array> = {};
      const deletes: string[] = [];
      for (const { key, value } of lines) {
        const path = String(value['path'] ?? '');
        if (key !== 'header' && (!path || path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '.' || part === ''))) {
          return sendError(res, 400, 'InvalidPath', `invalid path in commit: ${path}`);
        }
        if (key === 'file') files[path] = new Uint8Array(Buffer.from(String(value['content']), value['encoding'] === 'base64' ? 'base64' : 'utf8'));
        else if (key === 'lfsFile') {
          const object = state.lfs.get(String(value['oid']));
          if (!object) return sendError(res, 422, 'LfsObjectMissing', `LFS object ${String(value['oid'])} for ${path} was never uploaded`);
          files[path] = object;
        } else if (key === 'deletedFile') deletes.push(path);
      }
      const message = header.description ? `${header.summary}\n\n${header.description}` : header.summary;
      const oid = repo.commit({ branch, message, files, deletes });
      sendJson(res, 200, { success: true, commitOid: oid, commitUrl: `${state.baseUrl}/${repo.fullName}/commit/${oid}`, hookOutput: '' });
    },
  },
];

/** Writing needs a known write token of the repo's owner or of a member of its organisation: 401 without a token, 404 when the repo is unknown (or private to someone else), 403 for other users and read-only tokens. */
export function findWritableRepo(state: HubServerState, request: HubRequest, res: ServerResponse, type: HubRepoType, name: string): HubRepo | undefined {
  const user = requireWriter(request, res, state);
  if (!user) return undefined;
  const repo = state.repos.get(type, name);
  if (!repo || (repo.isPrivate && !isMember(request.account, repo.namespace))) {
    sendError(res, 404, 'RepoNotFound', `Repository not found: ${name}`);
    return undefined;
  }
  if (!isMember(request.account, repo.namespace) || request.account?.role !== 'write') {
    sendError(res, 403, 'Forbidden', `You don't have write access to ${name}${request.account?.role === 'read' ? ' (read-only token)' : ''}`);
    return undefined;
  }
  return repo;
}

function requireWriter(request: HubRequest, res: ServerResponse, _state: HubServerState): string | undefined {
  if (request.badToken || !request.user) {
    sendError(res, 401, 'InvalidCredentials', 'Invalid credentials in Authorization header');
    return undefined;
  }
  return request.user;
}
