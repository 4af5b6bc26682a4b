import { appendFileSync } from 'node:fs';
import { insecureUrlReason } from '@reproml/data/transport-policy';

/**
 * Nx fails a run outright when the remote cache is unreachable. The team's fallback is to run
 * without it (`NX_SKIP_REMOTE_CACHE=true`): slower, never blocked. This CI step checks the
 * server's /health and, when it does not answer or its storage is unusable, switches the
 * fallback on for the later steps (through $GITHUB_ENV) and says so. A server whose storage only
 * refuses writes (`read-only`: disk full, read-only mount) is kept: it still serves hits and
 * answers uploads with 403, which Nx accepts. A cache that ReproML's transport policy refuses
 * (plain http to another machine: the token and every cached result would travel in the clear,
 * and a result altered on the way would restore as a hit) is not asked at all: the run goes
 * without it, with a warning. Run: node -r @swc-node/register tools/ci/remote-cache-preflight.ts
 */
export type PreflightResult =
  | { status: 'not-configured' }
  | { status: 'ok'; url: string }
  | { status: 'read-only'; url: string; reason: string }
  | { status: 'insecure'; url: string; reason: string }
  | { status: 'unreachable'; url: string; reason: string };

export async function remoteCachePreflight(params: { env: NodeJS.ProcessEnv; timeoutMs?: number; fetch?: typeof fetch }): Promise<PreflightResult> {
  const server = params.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER;
  if (!server) return { status: 'not-configured' };
  // Nx appends `/v1/cache/<hash>` to the configured URL (a path prefix behind a proxy stays): /health sits beside it.
  const url = `${server.replace(/\/+$/, '')}/health`;
  const refused = transportRefusal(server, params.env['REPROML_ALLOW_HTTP_LOCALHOST'] === '1');
  if (refused) return { status: 'insecure', url: server, reason: refused };
  try {
    const response = await (params.fetch ?? fetch)(url, { signal: AbortSignal.timeout(params.timeoutMs ?? 5000) });
    if (response.ok) return { status: 'ok', url: server };
    const health = await healthBody(response);
    const reason = `GET /health answered ${response.status}${health.reason ? `: ${health.reason}` : ''}`;
    if (health.status === 'read-only') return { status: 'read-only', url: server, reason };
    return { status: 'unreachable', url: server, reason };
  } catch (error) {
    return { status: 'unreachable', url: server, reason: (error as Error).message };
  }
}

/** Why the cache URL may not be used (the policy every Hub and URL access of ReproML follows), or undefined. */
function transportRefusal(server: string, allowHttpLocalhost: boolean): string | undefined {
  try {
    return insecureUrlReason(new URL(server), allowHttpLocalhost);
  } catch {
    return 'it is not a URL';
  }
}

/** The `{ status, reason }` a reproml-cache /health answers with; empty for other servers. */
async function healthBody(response: Response): Promise<{ status?: string; reason?: string }> {
  try {
    const body = (await response.json()) as { status?: unknown; reason?: unknown };
    return { status: typeof body.status === 'string' ? body.status : undefined, reason: typeof body.reason === 'string' ? body.reason : undefined };
  } catch {
    return {};
  }
}

/** What the CI step prints and the env lines it adds for the next steps. */
export function preflightReport(result: PreflightResult): { message: string; env: string[] } {
  switch (result.status) {
    case 'not-configured':
      return { message: 'Remote cache not configured (no NX_SELF_HOSTED_REMOTE_CACHE_SERVER): local cache only.', env: [] };
    case 'ok':
      return { message: `Remote cache reachable at ${result.url}.`, env: [] };
    case 'read-only':
      return {
        message: `::warning title=Remote cache read-only::${result.url} cannot store new results (${result.reason}); using it for hits only: what this run trains is not shared.`,
        env: [],
      };
    case 'insecure':
      return {
        message: `::warning title=Remote cache refused::NX_SELF_HOSTED_REMOTE_CACHE_SERVER ${result.url} is refused: ${result.reason}, and a result altered on the way would restore as a hit; running without it (NX_SKIP_REMOTE_CACHE=true). Use https:// (a TLS proxy in front of reproml-cache).`,
        env: ['NX_SKIP_REMOTE_CACHE=true'],
      };
    case 'unreachable':
      return {
        message: `::warning title=Remote cache down::${result.url} is not usable (${result.reason}); running without it (NX_SKIP_REMOTE_CACHE=true): affected stages are retrained, nothing is shared.`,
        env: ['NX_SKIP_REMOTE_CACHE=true'],
      };
  }
}

async function main(): Promise<void> {
  const result = await remoteCachePreflight({ env: process.env });
  const report = preflightReport(result);
  console.log(report.message);
  if (report.env.length && process.env.GITHUB_ENV) appendFileSync(process.env.GITHUB_ENV, `${report.env.join('\n')}\n`);
  if (report.env.length && process.env.GITHUB_STEP_SUMMARY) {
    appendFileSync(
      process.env.GITHUB_STEP_SUMMARY,
      `> **Remote cache ${result.status === 'insecure' ? 'refused (not https)' : 'down'}**: this run did not use or fill the team cache.\n\n`,
    );
  }
}

if (require.main === module) void main();
