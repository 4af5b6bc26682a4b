import { appendFileSync } from 'node:fs';

/**
 * Nx fails a run outright when the remote cache is unreachable. The team's fallback is to run
 * without it (`NX_SKIP_REMOTE_CACHE=true`): slower, never blocked. This CI step checks the
 * server's /health and, when it does not answer or its storage is unusable, switches the
 * fallback on for the later steps (through $GITHUB_ENV) and says so. A server whose storage only
 * refuses writes (`read-only`: disk full, read-only mount) is kept: it still serves hits and
 * answers uploads with 403, which Nx accepts. Run: node -r @swc-node/register tools/ci/remote-cache-preflight.ts
 */
export type PreflightResult =
  | { status: 'not-configured' }
  | { status: 'ok'; url: string }
  | { status: 'read-only'; url: string; reason: string }
  | { status: 'unreachable'; url: string; reason: string };

export async function remoteCachePreflight(params: { env: NodeJS.ProcessEnv; timeoutMs?: number; fetch?: typeof fetch }): Promise<PreflightResult> {
  const server = params.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER;
  if (!server) return { status: 'not-configured' };
  // Nx appends `/v1/cache/<hash>` to the configured URL (a path prefix behind a proxy stays): /health sits beside it.
  const url = `${server.replace(/\/+$/, '')}/health`;
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
    case 'unreachable':
      return {
        message: `::warning title=Remote cache down::${result.url} is not usable (${result.reason}); running without it (NX_SKIP_REMOTE_CACHE=true): affected stages are retrained, nothing is shared.`,
        env: ['NX_SKIP_REMOTE_CACHE=true'],
      };
  }
}

async function main(): Promise<void> {
  const report = preflightReport(await remoteCachePreflight({ env: process.env }));
  console.log(report.message);
  if (report.env.length && process.env.GITHUB_ENV) appendFileSync(process.env.GITHUB_ENV, `${report.env.join('\n')}\n`);
  if (report.env.length && process.env.GITHUB_STEP_SUMMARY) {
    appendFileSync(process.env.GITHUB_STEP_SUMMARY, `> **Remote cache down**: this run did not use or fill the team cache.\n\n`);
  }
}

if (require.main === module) void main();
