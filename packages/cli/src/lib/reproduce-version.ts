import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ProgressListener, ReproError, readGitState, sha256OfFile } from '@reproml/core';
import type { ModelVersion } from '@reproml/hub';
import { runNx } from './run-nx';

export interface ReproducePlan {
  model: string;
  version: number;
  commit: string | null;
  dirty: boolean;
  datasets: ModelVersion['source']['datasets'];
  stageFiles: string[];
  commands: string[];
  expectedSha256: string;
  modelPath: string;
}

/** The exact commands that rebuild a registered version, from its lineage (nothing is checked out). */
export function reproducePlan(version: ModelVersion): ReproducePlan {
  const { source } = version;
  const commands = [
    ...(source.git ? [`git checkout ${source.git.commit}`] : []),
    'COREPACK_INTEGRITY_KEYS=0 npx --yes pnpm@10.34.9 install --frozen-lockfile',
    `npx nx run-many -t run -p tag:pipeline:${source.pipeline} --exclude tag:stage:push --skip-nx-cache`,
    `sha256sum ${source.modelPath}   # expect ${version.artifact.sha256}`,
  ];
  return {
    model: version.model,
    version: version.version,
    commit: source.git?.commit ?? null,
    dirty: source.git?.dirty ?? false,
    datasets: source.datasets,
    stageFiles: source.stages.map((stage) => stage.file),
    commands,
    expectedSha256: version.artifact.sha256,
    modelPath: source.modelPath,
  };
}

export interface ReproduceCheck {
  /** `workspace`: the workspace is at the version's commit, so nx ran (or restored) the model stage there; `scratch`: a fresh run at that commit in a temp folder. */
  mode: 'workspace' | 'scratch';
  actualSha256: string;
  matches: boolean;
}

/**
 * Rebuilds a version's model and compares its sha256 with the registry's. When the
 * workspace is at the version's commit with no local edits (and `fresh` is not asked),
 * `nx run` restores the model from the cache or runs it; otherwise the commit is exported
 * (`git archive`, nothing is checked out) into a scratch folder and run there without any cache.
 */
export async function verifyReproduction(params: {
  workspaceRoot: string;
  version: ModelVersion;
  fresh?: boolean;
  onProgress?: ProgressListener;
}): Promise<ReproduceCheck> {
  const { version, workspaceRoot } = params;
  const progress = params.onProgress ?? (() => undefined);
  const commit = version.source.git?.commit;
  const here = readGitState(workspaceRoot);
  if (!params.fresh && (!commit || (here && here.commit === commit && !here.dirty))) {
    progress({ type: 'phase', phase: 'rebuild', detail: `nx run ${version.source.modelStage}:run in the workspace (cache or run)` });
    runNx({ workspaceRoot, args: ['run', `${version.source.modelStage}:run`, '--output-style=stream'] });
    return check('workspace', join(workspaceRoot, version.source.modelPath), version);
  }
  if (!commit) {
    throw new ReproError(`${version.model} v${version.version} was not pushed from a git checkout: there is no commit to rebuild from`, {
      hint: 'Rebuild it in the workspace instead (without --fresh).',
    });
  }
  const scratch = mkdtempSync(join(tmpdir(), 'reproml-reproduce-'));
  try {
    progress({ type: 'phase', phase: 'export', detail: `git archive ${commit.slice(0, 12)} into ${scratch}` });
    execFileSync('sh', ['-c', `git archive --format=tar ${commit} | tar -x -C "${scratch}"`], { cwd: workspaceRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    linkNodeModules(workspaceRoot, scratch);
    execFileSync('git', ['init', '-q'], { cwd: scratch });
    progress({ type: 'phase', phase: 'rebuild', detail: `nx run ${version.source.modelStage}:run without any cache` });
    runNx({
      workspaceRoot: scratch,
      args: ['run', `${version.source.modelStage}:run`, '--skip-nx-cache', '--output-style=stream'],
      env: { NX_CACHE_DIRECTORY: join(scratch, '.nx-reproduce-cache'), NX_SKIP_REMOTE_CACHE: 'true' },
    });
    return await check('scratch', join(scratch, version.source.modelPath), version);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function check(mode: ReproduceCheck['mode'], path: string, version: ModelVersion): Promise<ReproduceCheck> {
  if (!existsSync(path)) throw new ReproError(`The rebuild did not produce ${version.source.modelPath}`, { hint: 'Check the model stage of that commit.' });
  const actualSha256 = await sha256OfFile(path);
  return { mode, actualSha256, matches: actualSha256 === version.artifact.sha256 };
}

/** node_modules of the workspace root and of every package, linked (not copied) into the scratch folder. */
function linkNodeModules(workspaceRoot: string, scratch: string): void {
  const dirs = ['.'];
  for (const group of ['packages', 'plugins']) {
    if (!existsSync(join(scratch, group))) continue;
    for (const name of readdirSync(join(scratch, group))) dirs.push(`${group}/${name}`);
  }
  for (const dir of dirs) {
    const modules = join(workspaceRoot, dir, 'node_modules');
    if (existsSync(modules) && existsSync(join(scratch, dir)) && !existsSync(join(scratch, dir, 'node_modules')))
      symlinkSync(modules, join(scratch, dir, 'node_modules'), 'dir');
  }
}
