import { openAsBlob } from 'node:fs';
import { type CommitOperation, commit, createRepo, downloadFile, HubApiError, modelInfo, whoAmI } from '@huggingface/hub';
import { ConfigError, ReproError } from '@reproml/core';
import { assertHubEndpoint, type EndpointLocation } from '@reproml/data/transport-policy';
import { MANIFEST_FILE } from './manifest-file';
import { createUploadFetch } from './upload-fetch';

export { MANIFEST_FILE };

export interface HubPushFile {
  /** Path in the repo. */
  path: string;
  absolutePath: string;
}

export interface PushToHubParams {
  hubUrl: string;
  /** Plain http:// to 127.0.0.1/localhost is allowed (REPROML_ALLOW_HTTP_LOCALHOST=1, tests); otherwise the Hub must be https://. */
  allowHttpLocalhost?: boolean;
  /** The push stage, named by a refused HF_ENDPOINT. */
  location?: EndpointLocation;
  /** From HF_TOKEN; never logged, never written anywhere. */
  token: string | undefined;
  repo: string;
  branch: string;
  private: boolean;
  files: readonly HubPushFile[];
  /** Same fingerprint on the remote manifest = same version: no commit. */
  fingerprint: string;
  commitTitle: string;
  retries: number;
  retryBaseMs: number;
  log?: (message: string) => void;
  warn?: (message: string) => void;
  fetch?: typeof fetch;
}

export interface HubPushResult {
  commit: string;
  url: string;
  /** False when the remote already held these artifacts (no commit was made). */
  changed: boolean;
  createdRepo: boolean;
}

/**
 * Pushes a model's files to a Hub model repo in one commit through @huggingface/hub (the
 * client sends large files through the LFS batch API): checks the token, creates the repo
 * (private by default) when missing, and makes no commit when the remote manifest already
 * has the same fingerprint.
 */
export async function pushToHub(params: PushToHubParams): Promise<HubPushResult> {
  if (!params.token) {
    throw new ConfigError(`Pushing to hf://${params.repo} needs a Hugging Face token`, {
      field: 'target',
      hint: `Set HF_TOKEN to a token (hf_…) with write access to ${params.repo.split('/')[0]} (tokens are read from the environment only).`,
    });
  }
  assertHubEndpoint(params.hubUrl, params.allowHttpLocalhost ?? false, params.location);
  const fetch = createUploadFetch({
    retries: params.retries,
    retryBaseMs: params.retryBaseMs,
    fetch: params.fetch,
    onRetry: (event) => params.warn?.(`${event.reason} from ${event.url}; retry ${event.attempt}/${params.retries} in ${event.delayMs} ms`),
  });
  const common = { hubUrl: params.hubUrl, accessToken: params.token, fetch };
  const repo = { type: 'model' as const, name: params.repo };
  const where = `hf://${params.repo} (${params.hubUrl})`;
  try {
    const me = await whoAmI(common);
    params.log?.(`pushing to ${where} as ${me.name}`);
    let createdRepo = false;
    let head = await remoteHead(params, common);
    if (head === undefined) {
      await createRepo({ ...common, repo, private: params.private }).catch((error: unknown) => {
        if (!(error instanceof HubApiError && error.statusCode === 409)) throw error;
      });
      createdRepo = true;
      params.log?.(`created ${params.private ? 'private' : 'public'} model repo ${params.repo}`);
      head = await remoteHead(params, common);
    } else if (head !== null && (await remoteFingerprint(params, common, head)) === params.fingerprint) {
      params.log?.(`${where} already holds these artifacts at commit ${head}: nothing to push`);
      return { commit: head, url: commitUrl(params, head), changed: false, createdRepo };
    }
    const operations: CommitOperation[] = [];
    for (const file of params.files) {
      operations.push({ operation: 'addOrUpdate', path: file.path, content: await openAsBlob(file.absolutePath) });
    }
    const output = await commit({
      ...common,
      repo,
      branch: params.branch,
      title: params.commitTitle,
      operations,
      ...(head ? { parentCommit: head } : {}),
    });
    const oid = output?.commit.oid;
    if (!oid || !/^[0-9a-f]{40}$/.test(oid)) {
      throw new ReproError(`The Hub at ${params.hubUrl} did not return a commit id for the push to ${params.repo}`, {
        hint: 'Check HF_ENDPOINT: it should point at a Hugging Face Hub (or a compatible server).',
      });
    }
    params.log?.(`committed ${params.files.length} file(s) to ${where}: ${oid}`);
    return { commit: oid, url: commitUrl(params, oid), changed: true, createdRepo };
  } catch (error) {
    throw hubPushError(error, params);
  }
}

type Common = { hubUrl: string; accessToken: string; fetch: typeof fetch };

/** The branch head, null when the repo exists without the branch (or any commit), undefined when the repo does not exist. */
async function remoteHead(params: PushToHubParams, common: Common): Promise<string | null | undefined> {
  try {
    const info = await modelInfo({ ...common, name: params.repo, revision: params.branch, additionalFields: ['sha'] });
    return (info as { sha?: string }).sha ?? null;
  } catch (error) {
    if (error instanceof HubApiError && error.statusCode === 404) {
      const code = (error.data as { error?: string } | undefined)?.error ?? error.message;
      if (/revision|rev id/i.test(code)) return null;
      return undefined;
    }
    throw error;
  }
}

async function remoteFingerprint(params: PushToHubParams, common: Common, revision: string): Promise<string | undefined> {
  const blob = await downloadFile({ ...common, repo: { type: 'model', name: params.repo }, path: MANIFEST_FILE, revision });
  if (!blob) return undefined;
  try {
    const manifest = JSON.parse(await blob.text()) as { fingerprint?: unknown };
    return typeof manifest.fingerprint === 'string' ? manifest.fingerprint : undefined;
  } catch {
    return undefined;
  }
}

function commitUrl(params: PushToHubParams, oid: string): string {
  return `${params.hubUrl}/${params.repo}/commit/${oid}`;
}

/** The client's HubApiError as a message that names the repo and says what to do; never the token. */
function hubPushError(error: unknown, params: PushToHubParams): unknown {
  if (!(error instanceof HubApiError)) return error;
  const where = `hf://${params.repo} at ${params.hubUrl}`;
  const detail = error.message.split('. URL:')[0];
  switch (error.statusCode) {
    case 401:
      return new ReproError(`HTTP 401 Unauthorized pushing to ${where}: the Hub rejected HF_TOKEN`, {
        cause: error,
        hint: 'Set HF_TOKEN to a valid token (hf_…, create one at <hub>/settings/tokens) with write access, then rerun the push.',
      });
    case 403:
      return new ReproError(`HTTP 403 Forbidden pushing to ${where}: the token may not write to ${params.repo.split('/')[0]}`, {
        cause: error,
        hint: `Use a token with the "write" role for ${params.repo.split('/')[0]}, or push to your own namespace.`,
      });
    case 404:
      return new ReproError(`HTTP 404 pushing to ${where}: ${detail}`, {
        cause: error,
        hint: `Check the namespace '${params.repo.split('/')[0]}' and the branch '${params.branch}'; a private repo of someone else also answers 404.`,
      });
    case 409:
    case 412:
      return new ReproError(`HTTP ${error.statusCode} pushing to ${where}: someone else committed meanwhile (${detail})`, {
        cause: error,
        hint: 'Rerun the push: it compares with the new head first.',
      });
    default:
      return new ReproError(`HTTP ${error.statusCode} pushing to ${where}: ${detail}`, {
        cause: error,
        hint: error.statusCode >= 500 ? `The Hub kept failing after ${params.retries} retries; try again later.` : 'See the message above.',
      });
  }
}
