import { datasetInfo, downloadFile, HubApiError } from '@huggingface/hub';
import { ConfigError, DataError } from '@reproml/core';
import type { DatasetSource, OpenSourceParams, SourceContext } from './dataset-source';
import { downloadSource } from './download-source';
import { createRetryingFetch } from './retrying-fetch';
import { sourceFailure } from './source-failure';
import { assertHubEndpoint } from './transport-policy';

export const HUB_COMMIT_PATTERN = /^[0-9a-f]{40}$/;

export interface HubFileReference {
  /** `namespace/name` of the dataset repo. */
  repo: string;
  /** Path of the file inside the repo. */
  path: string;
}

export function isHubSource(source: string): boolean {
  return source.startsWith('hf://');
}

/** Parses `hf://datasets/<namespace>/<name>/<path-in-repo>`. */
export function parseHubSource(source: string, location: SourceContext['location']): HubFileReference {
  const match = /^hf:\/\/datasets\/([^/]+)\/([^/]+)\/(.+)$/.exec(source);
  if (!match || match[3]!.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new ConfigError(`'${source}' is not a Hub dataset file`, {
      ...location,
      hint: 'Write it as hf://datasets/<namespace>/<name>/<path-in-repo>, e.g. hf://datasets/acme/penguins/data/train.parquet, and the branch, tag or commit in "revision".',
    });
  }
  return { repo: `${match[1]}/${match[2]}`, path: match[3]! };
}

/**
 * A file in a Hugging Face Hub dataset repo, through @huggingface/hub with `hubUrl` on every
 * call (HF_ENDPOINT) and HF_TOKEN when set. `resolve` turns the requested branch or tag into
 * a commit sha; `materialize` downloads only at a commit sha, never at a branch.
 */
export function hubSource(params: OpenSourceParams): DatasetSource {
  const { source, context } = params;
  const reference = parseHubSource(source, context.location);
  const requested = params.revision ?? 'main';
  const env = context.environment;
  assertHubEndpoint(env.hubUrl, env.allowHttpLocalhost, context.location);
  const common = {
    hubUrl: env.hubUrl,
    fetch: createRetryingFetch({
      ...env,
      onRetry: (event) => context.warn(`${event.reason} from ${event.url}; retry ${event.attempt}/${env.retries} in ${event.delayMs} ms`),
    }),
    ...(env.hubToken ? { accessToken: env.hubToken } : {}),
  };
  const describe = (revision: string) => ({ source, repo: reference.repo, path: reference.path, revision, context });

  return {
    kind: 'hub',
    resolve: async () => {
      try {
        const info = await datasetInfo({ name: reference.repo, revision: requested, additionalFields: ['sha'], ...common });
        const sha = (info as { sha?: string }).sha;
        if (!sha || !HUB_COMMIT_PATTERN.test(sha)) {
          throw new DataError(`The Hub at ${env.hubUrl} did not give a commit sha for ${reference.repo} at '${requested}'`, {
            ...context.location,
            hint: 'Check HF_ENDPOINT: it should point at a Hugging Face Hub (or a compatible mirror).',
          });
        }
        return { revision: sha, ref: requested };
      } catch (error) {
        throw sourceFailure(hubError(error, describe(requested)), source, context.location);
      }
    },
    materialize: async ({ revision, expectedSha256 }) => {
      if (!revision || !HUB_COMMIT_PATTERN.test(revision)) {
        throw new ConfigError(`The lock pins ${source} to '${revision}', which is not a commit sha`, {
          ...context.location,
          hint: `Run \`nx run ${context.location.stage}:lock\` so that the lock names a commit sha, and commit it.`,
        });
      }
      return downloadSource({
        source,
        context,
        expectedSha256,
        open: async () => {
          let blob: Blob | null;
          try {
            blob = await downloadFile({ repo: { type: 'dataset', name: reference.repo }, path: reference.path, revision, ...common });
          } catch (error) {
            throw hubError(error, describe(revision));
          }
          if (!blob) {
            throw new DataError(`${reference.path} does not exist in dataset ${reference.repo} at revision ${revision}`, {
              ...context.location,
              hint: 'Check the path inside the repo (it is case-sensitive) and the revision; `nx run <stage>:lock` re-resolves a branch.',
            });
          }
          return { body: blob.stream(), size: blob.size };
        },
      });
    },
  };
}

interface HubErrorContext {
  source: string;
  repo: string;
  path: string;
  revision: string;
  context: SourceContext;
}

/** Turns the client's HubApiError into a message that says which file, which revision, and what to do. */
function hubError(error: unknown, where: HubErrorContext): unknown {
  if (!(error instanceof HubApiError)) return error;
  const { repo, path, revision, context } = where;
  const what = `${path} in dataset ${repo} at revision ${revision} (${context.environment.hubUrl})`;
  const tokenState = context.environment.hubToken ? 'HF_TOKEN is set but' : 'HF_TOKEN is not set and';
  const status = error.statusCode;
  if (status === 401) {
    return new DataError(`HTTP 401 Unauthorized reading ${what}`, {
      ...context.location,
      cause: error,
      hint: `${tokenState} the Hub wants credentials: set HF_TOKEN to a token (hf_…) with read access to ${repo}.`,
    });
  }
  if (status === 403) {
    return new DataError(`HTTP 403 Forbidden reading ${what}`, {
      ...context.location,
      cause: error,
      hint: `Your token cannot read ${repo}: for a gated dataset, accept its conditions on the Hub; otherwise ask for access.`,
    });
  }
  if (status === 404) {
    return new DataError(`HTTP 404 Not Found reading ${what}: ${firstSentence(error.message)}`, {
      ...context.location,
      cause: error,
      hint: `Check the repo name and the revision '${revision}'. A private repo also answers 404 to a token without access (${tokenState.replace(' but', '').replace(' and', '')}).`,
    });
  }
  return new DataError(`HTTP ${status} reading ${what}: ${firstSentence(error.message)}`, {
    ...context.location,
    cause: error,
    hint: 'The Hub had trouble answering even after retries; try again later.',
  });
}

function firstSentence(message: string): string {
  return message.split('. URL:')[0]!;
}
