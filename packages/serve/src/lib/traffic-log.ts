import { once } from 'node:events';
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { Table } from '@reproml/core';
import { type Predictions, predictionColumnNames, predictionRecord } from '@reproml/onnx';
import { z } from 'zod';
import type { PredictionSink } from './inference-server';
import type { Answering } from './prediction-response';

/** Columns every logged row carries besides the model's inputs and its prediction columns. */
export const TRAFFIC_COLUMNS = { version: 'reproml_model_version', loggedAt: 'reproml_logged_at' } as const;
/** The newest complete log file, replaced atomically on every rotation: what a pull stage points at. */
export const LATEST_TRAFFIC_FILE = 'latest.jsonl';
const OPEN_SUFFIX = '.open';

export const trafficLogOptionsSchema = z
  .object({
    dir: z.string().min(1).meta({ description: 'Folder of the log files (inside the workspace when a pull stage should read them).' }),
    sampleRate: z.number().gt(0).max(1).default(1).meta({ description: 'Share of requests logged (each request whole). Default: 1.' }),
    maxRows: z.number().int().positive().default(10_000).meta({ description: 'Rows per file before it rotates. Default: 10000.' }),
    maxAgeMs: z
      .number()
      .int()
      .positive()
      .default(60 * 60 * 1000)
      .meta({ description: 'A file with rows rotates when it is this old. Default: 1 h.' }),
    keepFiles: z.number().int().positive().default(48).meta({ description: 'Complete files kept; older ones are deleted. Default: 48.' }),
  })
  .strict();
export type TrafficLogOptions = z.infer<typeof trafficLogOptionsSchema>;

/**
 * Sampled request/prediction logging to rotating JSON Lines files: one line per row with the
 * model's raw inputs (null = missing), the predict stage's prediction columns, the model
 * version and the time. A file is written as `traffic-<time>-<n>.jsonl.open`; on rotation it is
 * renamed to `.jsonl` (complete, never written again) and hard-linked as `latest.jsonl`, so a
 * pull stage with `"source": "<dir>/latest.jsonl"` locks the newest complete batch.
 */
export class TrafficLog implements PredictionSink {
  private stream: WriteStream | undefined;
  private openName = '';
  private rows = 0;
  private openedAt = 0;
  private sequence = 0;
  private rotating: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly refused = new Set<string>();

  private constructor(
    readonly options: TrafficLogOptions,
    private readonly random: () => number,
    private readonly warn: (message: string) => void,
  ) {
    this.timer = setInterval(
      () => {
        if (this.rows > 0 && Date.now() - this.openedAt >= options.maxAgeMs) void this.rotate();
      },
      Math.min(1000, options.maxAgeMs),
    );
    this.timer.unref();
  }

  static async open(params: {
    options: z.input<typeof trafficLogOptionsSchema>;
    random?: () => number;
    warn?: (message: string) => void;
  }): Promise<TrafficLog> {
    const options = trafficLogOptionsSchema.parse(params.options);
    await mkdir(options.dir, { recursive: true });
    const log = new TrafficLog(options, params.random ?? Math.random, params.warn ?? (() => {}));
    await log.recover();
    return log;
  }

  /**
   * Files left open by a server that died (kill -9, power loss) are completed: cut after
   * their last whole line (a torn last line is dropped) and published like a rotation, so no
   * logged row is lost and none is half-written. One server process per log folder.
   */
  private async recover(): Promise<void> {
    const dir = this.options.dir;
    for (const entry of (await readdir(dir)).filter((name) => name.endsWith(`.jsonl${OPEN_SUFFIX}`)).sort()) {
      const path = join(dir, entry);
      const bytes = await readFile(path);
      const end = bytes.lastIndexOf(0x0a) + 1;
      if (end === 0) {
        await rm(path, { force: true });
        continue;
      }
      if (end < bytes.length) await truncate(path, end);
      await this.publish(entry.slice(0, -OPEN_SUFFIX.length));
      this.warn(
        `traffic log: completed ${entry} left open by a server that stopped without closing it${end < bytes.length ? ` (a torn last line of ${bytes.length - end} bytes dropped)` : ''}`,
      );
    }
  }

  /** Never throws: a log that cannot be written (full disk, permissions) costs a warning, not the request. */
  record(model: Answering, table: Table, predictions: Predictions): void {
    if (this.random() >= this.options.sampleRate) return;
    try {
      this.write(model, table, predictions);
    } catch (error) {
      this.warn(`traffic log: ${(error as Error).message}`);
    }
  }

  private write(model: Answering, table: Table, predictions: Predictions): void {
    if (!this.loggable(model)) return;
    const version = model.version;
    const loggedAt = new Date().toISOString();
    const lines: string[] = [];
    for (let row = 0; row < table.rowCount; row++) {
      const record: Record<string, unknown> = {};
      for (const column of table.columns) {
        const value = column.values[row];
        record[column.name] = typeof value === 'number' && Number.isNaN(value) ? null : value;
      }
      Object.assign(record, predictionRecord(model.signature, predictions, row));
      record[TRAFFIC_COLUMNS.version] = version;
      record[TRAFFIC_COLUMNS.loggedAt] = loggedAt;
      lines.push(JSON.stringify(record));
    }
    this.currentStream().write(`${lines.join('\n')}\n`);
    this.rows += table.rowCount;
    if (this.rows >= this.options.maxRows) void this.rotate();
  }

  /** Closes the open file as a complete one (if it has rows); later records start a new file. */
  rotate(): Promise<void> {
    const stream = this.stream;
    const name = this.openName;
    const rows = this.rows;
    this.stream = undefined;
    this.rows = 0;
    if (!stream) return this.rotating;
    this.rotating = this.rotating.then(() => this.complete(stream, name, rows));
    return this.rotating;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.rotate();
  }

  private currentStream(): WriteStream {
    if (!this.stream) {
      const stamp = new Date()
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
      this.openName = `traffic-${stamp}-${String(++this.sequence).padStart(4, '0')}.jsonl`;
      // Opened synchronously: the file exists as soon as its first row is accepted.
      this.stream = createWriteStream('', { fd: openSync(join(this.options.dir, `${this.openName}${OPEN_SUFFIX}`), 'a') });
      this.stream.on('error', (error) => this.warn(`traffic log ${this.openName}: ${error.message}`));
      this.openedAt = Date.now();
    }
    return this.stream;
  }

  private async complete(stream: WriteStream, name: string, rows: number): Promise<void> {
    stream.end();
    await once(stream, 'close');
    const dir = this.options.dir;
    try {
      if (rows === 0) {
        await rm(join(dir, `${name}${OPEN_SUFFIX}`), { force: true });
        return;
      }
      await this.publish(name);
    } catch (error) {
      this.warn(`traffic log rotation of ${name} failed: ${(error as Error).message}`);
    }
  }

  /** `<name>.open` → `<name>` (complete), hard-linked as latest.jsonl with one rename; the oldest complete files beyond keepFiles go. */
  private async publish(name: string): Promise<void> {
    const dir = this.options.dir;
    await rename(join(dir, `${name}${OPEN_SUFFIX}`), join(dir, name));
    const staged = join(dir, `.${LATEST_TRAFFIC_FILE}.${process.pid}`);
    await rm(staged, { force: true });
    await link(join(dir, name), staged);
    await rename(staged, join(dir, LATEST_TRAFFIC_FILE));
    const complete = (await readdir(dir)).filter((entry) => /^traffic-.*\.jsonl$/.test(entry)).sort();
    for (const old of complete.slice(0, Math.max(0, complete.length - this.options.keepFiles))) await rm(join(dir, old), { force: true });
  }

  /** A model whose input names clash with the logged prediction or metadata columns is not logged (with one warning). */
  private loggable(model: Answering): boolean {
    if (this.refused.has(model.fingerprint)) return false;
    const reserved = new Set([...predictionColumnNames(model.signature), ...Object.values(TRAFFIC_COLUMNS)]);
    const clash = model.signature.rawInputs.map((input) => input.name).filter((name) => reserved.has(name));
    if (clash.length === 0) return true;
    this.refused.add(model.fingerprint);
    this.warn(`${model.name} v${model.version} has input(s) named like logged columns (${clash.join(', ')}): its traffic is not logged`);
    return false;
  }
}
