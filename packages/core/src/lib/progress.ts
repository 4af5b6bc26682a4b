/** Progress of long work, as typed events; reporters decide how to show them. */
export type ProgressEvent =
  | { type: 'phase'; phase: string; detail?: string }
  | { type: 'progress'; phase: string; done: number; total?: number; unit?: string; detail?: string }
  | { type: 'log'; level: 'info' | 'warn'; message: string };

export type ProgressListener = (event: ProgressEvent) => void;

export interface ProgressReporterOptions {
  stream?: NodeJS.WriteStream;
  /** Prefix of every line, e.g. the stage name. */
  prefix?: string;
  /** Minimum milliseconds between two plain-text progress lines. */
  plainIntervalMs?: number;
}

/**
 * Shows progress as a redrawn bar on a TTY and as plain, throttled lines otherwise
 * (CI logs, Nx's captured output).
 */
export function createProgressReporter(options: ProgressReporterOptions = {}): ProgressListener {
  const stream = options.stream ?? process.stderr;
  const prefix = options.prefix ? `[${options.prefix}] ` : '';
  const interval = options.plainIntervalMs ?? 2000;
  const lastPlainLine = new Map<string, number>();
  let barVisible = false;

  const clearBar = (): void => {
    if (barVisible) stream.write('\r\x1b[K');
    barVisible = false;
  };

  return (event) => {
    if (event.type === 'log') {
      clearBar();
      stream.write(`${prefix}${event.level === 'warn' ? 'warning: ' : ''}${event.message}\n`);
      return;
    }
    if (event.type === 'phase') {
      clearBar();
      stream.write(`${prefix}${event.phase}${event.detail ? `: ${event.detail}` : ''}\n`);
      return;
    }
    const text = formatProgress(event);
    const finished = event.total !== undefined && event.done >= event.total;
    if (stream.isTTY) {
      stream.write(`\r\x1b[K${prefix}${text}`);
      barVisible = !finished;
      if (finished) stream.write('\n');
      return;
    }
    const now = Date.now();
    const last = lastPlainLine.get(event.phase) ?? 0;
    if (finished || now - last >= interval) {
      lastPlainLine.set(event.phase, now);
      stream.write(`${prefix}${text}\n`);
    }
  };
}

function formatProgress(event: Extract<ProgressEvent, { type: 'progress' }>): string {
  const unit = event.unit ? ` ${event.unit}` : '';
  const detail = event.detail ? ` ${event.detail}` : '';
  if (event.total === undefined || event.total <= 0) return `${event.phase} ${event.done}${unit}${detail}`;
  const fraction = Math.min(1, event.done / event.total);
  const width = 24;
  const filled = Math.round(fraction * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  return `${event.phase} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ${event.done}/${event.total}${unit}${detail}`;
}
