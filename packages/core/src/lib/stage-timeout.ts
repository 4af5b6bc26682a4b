import { ReproError } from './errors';
import type { StageIdentity } from './lineage-record';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** What a stage file's `timeout` may hold: seconds, or a duration string like '90s', '15m', '2h', '500ms'. */
export const DURATION_PATTERN = DURATION;

/** A stage file's `timeout` (seconds or a duration string) in milliseconds. */
export function durationMs(value: number | string): number {
  if (typeof value === 'number') return value * 1000;
  const match = DURATION.exec(value.trim());
  if (!match) throw new Error(`'${value}' is not a duration like '90s', '15m' or '2h'`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** A stage that ran longer than its stage file's `timeout` allows. Not retried: the next attempt would be as slow. */
export class StageTimeoutError extends ReproError {
  override name = 'StageTimeoutError';
  override readonly code = 'STAGE_TIMEOUT';
}

/**
 * Runs `work` and rejects with a StageTimeoutError naming the stage, its file, the field and the
 * limit once `limitMs` has passed; `abort` is called first so the work can stop what it started.
 * Work that ignores the abort keeps running in the background, but its result is never used.
 */
export async function withStageTimeout<T>(
  params: { stage: StageIdentity; limit: number | string; abort: (reason: Error) => void },
  work: () => Promise<T>,
): Promise<T> {
  const limitMs = durationMs(params.limit);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new StageTimeoutError(`Stage ran longer than its timeout of ${describeLimit(params.limit)} and was stopped; it wrote no output`, {
        stage: params.stage.name,
        file: params.stage.file,
        field: 'timeout',
        hint: 'Raise "timeout" in the stage file if the work really needs longer, or find out what made it slow (a stalled download, a larger input).',
      });
      params.abort(error);
      reject(error);
    }, limitMs);
    timer.unref();
  });
  try {
    return await Promise.race([work(), expired]);
  } finally {
    clearTimeout(timer);
  }
}

function describeLimit(limit: number | string): string {
  return typeof limit === 'number' ? `${limit} s` : limit;
}
