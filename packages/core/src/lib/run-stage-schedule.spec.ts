import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DataError } from './errors';
import type { ProgressEvent } from './progress';
import { isRetryableError, TransientError } from './retryable-error';
import { type RunStageParams, runStage, type StageContext } from './run-stage';
import { durationMs, StageTimeoutError } from './stage-timeout';

const stage = { name: 'demo-slow', pipeline: 'demo', kind: 'script', file: 'pipelines/demo/slow/stage.json' };

async function setup(): Promise<{ root: string; outputDir: string; logs: string[]; base: Omit<RunStageParams, 'work'> }> {
  const root = await mkdtemp(join(tmpdir(), 'schedule-'));
  const outputDir = join(root, 'pipelines/demo/slow/out');
  const logs: string[] = [];
  const onProgress = (event: ProgressEvent) => {
    if (event.type === 'log') logs.push(event.message);
  };
  return { root, outputDir, logs, base: { stage, config: {}, workspaceRoot: root, outputDir, packages: [], onProgress } };
}

describe('stage timeout and retries', () => {
  it('durations: seconds or a string with a unit', () => {
    expect(durationMs(2)).toBe(2000);
    expect(durationMs('500ms')).toBe(500);
    expect(durationMs('1.5s')).toBe(1500);
    expect(durationMs('15m')).toBe(900_000);
    expect(durationMs('2h')).toBe(7_200_000);
    expect(() => durationMs('soon')).toThrow(/not a duration/);
  });

  it('a stage past its timeout fails with a typed error naming stage, file, field and limit, aborts its work and leaves no output', async () => {
    const { outputDir, base } = await setup();
    let signal: AbortSignal | undefined;
    const run = runStage({
      ...base,
      timeout: '200ms',
      work: async (context: StageContext) => {
        signal = context.signal;
        await writeFile(join(context.outDir, 'partial.csv'), 'a,b\n');
        await new Promise((resolve) => setTimeout(resolve, 5_000).unref());
      },
    });
    const error = await run.catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(StageTimeoutError);
    const timeout = error as StageTimeoutError;
    expect([timeout.stage, timeout.file, timeout.field]).toEqual([stage.name, stage.file, 'timeout']);
    expect(timeout.message).toMatch(/timeout of 200ms/);
    expect(signal?.aborted).toBe(true);
    expect(existsSync(outputDir)).toBe(false);
    expect((await readdir(join(outputDir, '..'))).filter((name) => name.startsWith('out'))).toEqual([]);
  });

  it('work that finishes within its timeout succeeds', async () => {
    const { outputDir, base } = await setup();
    await runStage({ ...base, timeout: 5, work: async (context) => writeFile(join(context.outDir, 'x.txt'), 'done') });
    expect(await readFile(join(outputDir, 'x.txt'), 'utf8')).toBe('done');
  });

  it('retries a transient failure from a clean temp folder, logs the retry, then succeeds', async () => {
    const { outputDir, logs, base } = await setup();
    const seen: string[][] = [];
    let attempts = 0;
    await runStage({
      ...base,
      retries: 2,
      work: async (context) => {
        attempts++;
        seen.push(await readdir(context.outDir));
        await writeFile(join(context.outDir, `attempt-${attempts}.txt`), 'x');
        if (attempts === 1) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      },
    });
    expect(attempts).toBe(2);
    expect(seen).toEqual([[], []]);
    expect((await readdir(outputDir)).sort()).toEqual(['attempt-2.txt', 'lineage.json']);
    expect(logs.join('\n')).toMatch(/attempt 1 of 3 failed \(read ECONNRESET\); retrying/);
  });

  it('gives up after the last retry with the last error', async () => {
    const { outputDir, base } = await setup();
    let attempts = 0;
    const run = runStage({
      ...base,
      retries: 1,
      work: async () => {
        attempts++;
        throw new TransientError(`stalled ${attempts}`);
      },
    });
    await expect(run).rejects.toThrow(/stalled 2/);
    expect(attempts).toBe(2);
    expect(existsSync(outputDir)).toBe(false);
  });

  it('never retries a ConfigError or a timeout', async () => {
    const { base } = await setup();
    let attempts = 0;
    const run = runStage({
      ...base,
      retries: 3,
      work: async () => {
        attempts++;
        throw new ConfigError('bad field', { field: 'params.x' });
      },
    });
    await expect(run).rejects.toBeInstanceOf(ConfigError);
    expect(attempts).toBe(1);
    let slow = 0;
    const timed = runStage({
      ...base,
      retries: 3,
      timeout: '50ms',
      work: async () => {
        slow++;
        await new Promise((resolve) => setTimeout(resolve, 1_000).unref());
      },
    });
    await expect(timed).rejects.toBeInstanceOf(StageTimeoutError);
    expect(slow).toBe(1);
  });

  it('classifies errors: network codes (also as a cause) and TransientError retry; typed errors and plain bugs do not', () => {
    expect(isRetryableError(Object.assign(new Error('x'), { code: 'ETIMEDOUT' }))).toBe(true);
    expect(isRetryableError(new TypeError('fetch failed', { cause: Object.assign(new Error('y'), { code: 'ECONNREFUSED' }) }))).toBe(true);
    expect(isRetryableError(new TransientError('stalled'))).toBe(true);
    expect(isRetryableError(new ConfigError('bad', { cause: new TransientError('x') }))).toBe(false);
    expect(isRetryableError(new DataError('Cannot download x: fetch failed', { transient: true }))).toBe(true);
    expect(isRetryableError(Object.assign(new Error('no such file'), { code: 'ENOENT' }))).toBe(false);
    expect(isRetryableError(new TypeError('undefined is not a function'))).toBe(false);
  });
});
