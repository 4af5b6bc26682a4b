import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TempWorkspace } from './support/temp-workspace';

/** Sleeps `ms` (ignoring the abort signal, as careless work would) and records when it ran. */
const SLEEP_SCRIPT = `import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export default async function sleep(stage: any): Promise<void> {
  const start = Date.now();
  await new Promise((resolve) => setTimeout(resolve, stage.params.ms));
  writeFileSync(join(stage.outDir, 'window.json'), JSON.stringify({ start, end: Date.now() }));
}
`;

interface Window {
  start: number;
  end: number;
}

/** Stage timeout and `heavy` with the real nx CLI (timeouts and parallelism are Nx-process behaviour). */
describe('stage scheduling hints (real nx CLI)', () => {
  let workspace: TempWorkspace;

  function writeSleepStage(name: string, fields: Record<string, unknown>): void {
    workspace.write(`pipelines/sched/${name}/stage.json`, { kind: 'script', script: 'sleep.ts', ...fields });
    workspace.write(`pipelines/sched/${name}/sleep.ts`, SLEEP_SCRIPT);
  }

  function windowOf(name: string): Window {
    return JSON.parse(workspace.read(`pipelines/sched/${name}/out/window.json`)) as Window;
  }

  beforeAll(() => {
    workspace = TempWorkspace.create({ label: 'schedule' });
    writeSleepStage('slow', { timeout: '1s', params: { ms: 60_000 } });
  });
  afterAll(() => workspace?.remove());

  it('fails a stage past its timeout with the stage, file, field and limit, without waiting for the work, and leaves no output', () => {
    const started = Date.now();
    const result = workspace.nx(['run', 'sched-slow:run', '--output-style=stream']);
    const elapsedMs = Date.now() - started;
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('[stage sched-slow, file pipelines/sched/slow/stage.json, field timeout] Stage ran longer than its timeout of 1s');
    expect(result.output).toContain('Raise "timeout"');
    // The 60 s sleep is abandoned: the nx process ends soon after the limit.
    expect(elapsedMs).toBeLessThan(30_000);
    expect(readdirSync(workspace.path('pipelines/sched/slow')).sort()).toEqual(['sleep.ts', 'stage.json']);
  });

  it('runs two heavy stages one after the other under --parallel=2, and side by side without heavy', () => {
    const run = ['run-many', '-t', 'run', '-p', 'sched-a', 'sched-b', '--parallel=2', '--skip-nx-cache', '--output-style=stream'];
    writeSleepStage('a', { params: { ms: 1500 } });
    writeSleepStage('b', { params: { ms: 1500 } });
    workspace.nxOk(run);
    const [freeA, freeB] = [windowOf('a'), windowOf('b')];
    expect(Math.max(freeA.start, freeB.start)).toBeLessThan(Math.min(freeA.end, freeB.end));

    writeSleepStage('a', { heavy: true, params: { ms: 1500 } });
    writeSleepStage('b', { heavy: true, params: { ms: 1500 } });
    workspace.nxOk(run);
    const [heavyA, heavyB] = [windowOf('a'), windowOf('b')].sort((x, y) => x.start - y.start);
    expect(heavyB!.start).toBeGreaterThanOrEqual(heavyA!.end);
  });
});
