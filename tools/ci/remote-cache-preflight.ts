import { appendFileSync } from 'node:fs';

/**
 * Nx fails a run outright when the remote cache is unreachable. The team's fallback is to run
 * without it (`NX_SKIP_REMOTE_CACHE=true`): slower, never blocked. This CI step checks the
 * server's /health and, when it does not answer, switches the fallback on for the later steps
 * (through $GITHUB_ENV) and says so. Run: node -r @swc-node/register tools/ci/remote-cache-preflight.ts
 */
export type PreflightResult = { status: 'not-configured' } | { status: 'ok'; url: string } | { status: 'unreachable'; url: string; reason: string };

export async function remoteCachePreflight(params: { env: NodeJS.ProcessEnv; timeoutMs?: number; fetch?: typeof fetch }): Promise<PreflightResult> {
  const server = params.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER;
  if (!server) return { status: 'not-configured' };
  const url = new URL('/health', server).toString();
  try {
    const response = await (params.fetch ?? fetch)(url, { signal: AbortSignal.timeout(params.timeoutMs ?? 5000) });
    if (response.ok) return { status: 'ok', url: server };
    return { status: 'unreachable', url: server, reason: `GET /health answered ${response.status}` };
  } catch (error) {
    return { status: 'unreachable', url: server, reason: (error as Error).message };
  }
}

/** What the CI step prints and the env lines it adds for the next steps. */
export function preflightReport(result: PreflightResult): { message: string; env: string[] } {
  switch (result.status) {
    case 'not-configured':
      return { message: 'Remote cache not configured (no NX_SELF_HOSTED_REMOTE_CACHE_SERVER): local cache only.', env: [] };
    case 'ok':
      return { message: `Remote cache reachable at ${result.url}.`, env: [] };
    case 'unreachable':
      return {
        message: `::warning title=Remote cache down::${result.url} did not answer (${result.reason}); running without it (NX_SKIP_REMOTE_CACHE=true): affected stages are retrained, nothing is shared.`,
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
