import { isMember } from './hub-accounts';
import { sendError, sendJson } from './hub-http';
import type { HubRepoType } from './hub-repos';
import type { HubRoute } from './hub-server';
import { findWritableRepo } from './hub-upload-routes';

const NAME = '([^/]+/[^/]+)';
const TYPE_OF_SEGMENT: Record<string, HubRepoType> = { models: 'model', datasets: 'dataset' };

/**
 * Branches and repo listing as @huggingface/hub calls them: `createBranch` (POST
 * `/api/{type}s/{repo}/branch/{name}` with `startingPoint` and `overwrite`; 409 when the
 * branch exists and overwrite is not set), `deleteBranch` (DELETE; the default branch
 * cannot be deleted), and `listModels` (GET `/api/models?author=`, only repos the token may read).
 */
export const REF_ROUTES: HubRoute[] = [
  {
    method: ['POST', 'DELETE'],
    pattern: new RegExp(`^/api/(models|datasets)/${NAME}/branch/([^/]+)$`),
    handle: async (request, res, state) => {
      const [segment, name, branch] = request.params as [string, string, string];
      const repo = findWritableRepo(state, request, res, TYPE_OF_SEGMENT[segment]!, name);
      if (!repo) return;
      if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/.test(branch) || branch.includes('..')) {
        return sendError(res, 400, 'InvalidBranchName', `Invalid branch name: ${branch}`);
      }
      if (request.method === 'DELETE') {
        if (branch === 'main') return sendError(res, 403, 'Forbidden', 'Cannot delete the default branch');
        if (!repo.branches.delete(branch)) return sendError(res, 404, 'RevisionNotFound', `Invalid rev id: ${branch}`);
        return sendJson(res, 200, {});
      }
      const raw = (await request.body()).toString('utf8');
      const body = (raw ? JSON.parse(raw) : {}) as { startingPoint?: string; emptyBranch?: boolean; overwrite?: boolean };
      if (body.emptyBranch) return sendError(res, 400, 'BadRequest', 'empty branches are not supported by this test server');
      if (repo.branches.has(branch) && !body.overwrite) return sendError(res, 409, 'Conflict', `Branch ${branch} already exists`);
      if (branch === 'main') return sendError(res, 403, 'Forbidden', 'The default branch cannot be moved');
      const start = repo.resolve(body.startingPoint ?? 'main');
      if (!start) return sendError(res, 404, 'RevisionNotFound', `Invalid rev id: ${body.startingPoint}`);
      repo.branches.set(branch, start.oid);
      sendJson(res, 200, {});
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/models$/,
    handle: (request, res, state) => {
      if (request.badToken) return sendError(res, 401, 'InvalidCredentials', 'Invalid credentials in Authorization header');
      const author = request.query.get('author');
      const limit = Number(request.query.get('limit') ?? 500);
      const repos = state.repos
        .list('model')
        .filter((repo) => (!author || repo.namespace === author) && (!repo.isPrivate || isMember(request.account, repo.namespace)))
        .slice(0, limit);
      sendJson(
        res,
        200,
        repos.map((repo) => {
          const head = repo.resolve('main');
          return { _id: repo.fullName, id: repo.fullName, private: repo.isPrivate, downloads: 0, likes: 0, gated: false, lastModified: head?.date ?? '' };
        }),
      );
    },
  },
];
