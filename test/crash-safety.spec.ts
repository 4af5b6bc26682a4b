import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoPipeline } from './support/demo-pipeline';
import { snapshotFiles } from './support/output-snapshot';
import { TempWorkspace, taskOutcomes } from './support/temp-workspace';

/**
 * A stage that writes half of its output, then (when told by the environment, which is not
 * part of the cache key) either hangs until killed or throws.
 */
const FLAKY_STAGE_SCRIPT = `import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export default async function flaky(stage: any): Promise<void> {
  const stats = (await stage.readInput('stats', 'stats.json')).toString('utf8');
  writeFileSync(join(stage.outDir, 'part-1.json'), stats);
  const marker = process.env.FLAKY_MARKER;
  if (marker) {
    writeFileSync(marker, 'half-written');
    if (process.env.FLAKY_MODE === 'throw') throw new Error('flaky stage failed half way');
    await new Promise((resolve) => setTimeout(resolve, 120_000));
  }
  writeFileSync(join(stage.outDir, 'part-2.json'), stats);
}
`;

async function waitFor(path: string, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!existsSync(path)) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${path}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs nx in its own process group with the flaky stage told to hang half way, and kills the whole group with SIGKILL once it has written its first part. */
async function killNxHalfWay(workspace: TempWorkspace, args: string[]): Promise<void> {
  const marker = join(mkdtempSync(join(tmpdir(), 'flaky-')), 'marker');
  const nx = spawn(workspace.path('node_modules/.bin/nx'), args, {
    cwd: workspace.root,
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_CACHE_DIRECTORY: workspace.cacheDir, FLAKY_MARKER: marker },
  });
  const exited = new Promise((resolve) => nx.on('exit', resolve));
  await waitFor(marker, 120_000);
  process.kill(-nx.pid!, 'SIGKILL');
  await exited;
}

describe('crash safety (real nx CLI)', () => {
  let workspace: TempWorkspace;
  let clean: TempWorkspace;
  const OUT = 'pipelines/demo/flaky/out';
  const runAll = ['run-many', '-t', 'run', '--output-style=stream'];

  beforeAll(() => {
    for (const label of ['crash', 'crash-clean']) {
      const ws = TempWorkspace.create({ label });
      writeDemoPipeline(ws);
      ws.write('pipelines/demo/flaky/stage.json', { kind: 'script', inputs: { stats: 'stats' }, script: 'flaky.ts' });
      ws.write('pipelines/demo/flaky/flaky.ts', FLAKY_STAGE_SCRIPT);
      ws.commitAll('demo pipeline with a flaky stage');
      if (label === 'crash') workspace = ws;
      else clean = ws;
    }
    clean.nxOk(runAll);
  });
  afterAll(() => {
    workspace?.remove();
    clean?.remove();
  });

  it('leaves no partial output and caches nothing when a stage is killed with SIGKILL mid-write', async () => {
    await killNxHalfWay(workspace, ['run', 'demo-flaky:run', '--output-style=stream']);

    expect(workspace.exists(OUT)).toBe(false);
    // The killed run's temp folder is all that is left, and it is gitignored, so Nx never hashes it.
    const leftovers = readdirSync(workspace.path('pipelines/demo/flaky')).filter((name) => name.startsWith('.out.'));
    expect(leftovers.length).toBe(1);
    expect(workspace.git('status', '--porcelain', 'pipelines/demo/flaky')).toBe('');

    const rerun = taskOutcomes(workspace.nxOk(runAll));
    expect(rerun.executed).toContain('demo-flaky:run');
    expect(snapshotFiles(workspace.root, [OUT])).toEqual(snapshotFiles(clean.root, [OUT]));
    expect(readdirSync(workspace.path('pipelines/demo/flaky')).filter((name) => name.startsWith('.out.'))).toEqual([]);
  });

  it('removes the temp folder of a killed run when the stage is later restored from the cache (it never executes again)', async () => {
    const before = snapshotFiles(workspace.root, [OUT]);
    // The stage is cached now (the previous test's rerun); run it again past the cache and kill it.
    await killNxHalfWay(workspace, ['run', 'demo-flaky:run', '--skip-nx-cache', '--output-style=stream']);
    expect(readdirSync(workspace.path('pipelines/demo/flaky')).filter((name) => name.startsWith('.out.building-'))).toHaveLength(1);
    expect(snapshotFiles(workspace.root, [OUT])).toEqual(before);

    const restored = taskOutcomes(workspace.nxOk(['run', 'demo-flaky:run', '--output-style=stream']));
    expect(restored.cached).toContain('demo-flaky:run');
    expect(restored.executed).not.toContain('demo-flaky:run');
    expect(readdirSync(workspace.path('pipelines/demo/flaky')).filter((name) => name.startsWith('.out.'))).toEqual([]);
    expect(snapshotFiles(workspace.root, [OUT])).toEqual(before);
  });

  it('keeps the previous output and caches nothing when a stage throws half way', () => {
    const before = snapshotFiles(workspace.root, [OUT]);
    const stageFile = JSON.parse(workspace.read('pipelines/demo/flaky/stage.json'));
    workspace.write('pipelines/demo/flaky/stage.json', { ...stageFile, description: 'new description, same work' });
    const marker = join(mkdtempSync(join(tmpdir(), 'flaky-')), 'marker');
    const failed = workspace.nx(['run', 'demo-flaky:run', '--output-style=stream'], { FLAKY_MARKER: marker, FLAKY_MODE: 'throw' });
    expect(failed.status).not.toBe(0);
    expect(failed.output).toContain('flaky stage failed half way');
    expect(snapshotFiles(workspace.root, [OUT])).toEqual(before);

    const rerun = taskOutcomes(workspace.nxOk(['run', 'demo-flaky:run', '--output-style=stream']));
    expect(rerun.executed).toEqual(['demo-flaky:run']);
    expect(Object.keys(snapshotFiles(workspace.root, [OUT])).sort()).toEqual(['lineage.json', 'part-1.json', 'part-2.json'].map((file) => `${OUT}/${file}`));
  });
});
