import type { Column, Table } from '@reproml/core';
import type { Predictions } from '@reproml/onnx';

export interface MicroBatcherOptions {
  maxBatchSize: number;
  maxWaitMs: number;
  /** One model run over a table (its rows concatenated from the batch's requests). */
  run(table: Table): Promise<Predictions>;
  /** Called with the rows of every run (for metrics). */
  onRun?(rows: number): void;
}

interface Pending {
  table: Table;
  resolve(predictions: Predictions): void;
  reject(error: unknown): void;
}

/**
 * Micro-batching: requests queue up and run together in one `session.run` of at most
 * `maxBatchSize` rows (a larger request runs alone). A batch starts when it is full, when
 * its first request has waited `maxWaitMs`, or as soon as the previous run ends (one run at a
 * time per model: rows that arrive during a run form the next batch). If a batched run fails,
 * its requests run one by one, so a bad request fails alone.
 */
export class MicroBatcher {
  private queue: Pending[] = [];
  private queuedRows = 0;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: MicroBatcherOptions) {}

  submit(table: Table): Promise<Predictions> {
    return new Promise((resolve, reject) => {
      this.queue.push({ table, resolve, reject });
      this.queuedRows += table.rowCount;
      this.schedule();
    });
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    if (this.queuedRows >= this.options.maxBatchSize || this.options.maxWaitMs === 0) {
      this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.options.maxWaitMs);
    }
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    void this.runBatch(this.take());
  }

  /**
   * A run ended: the next batch starts now, before the finished batch's requests are answered,
   * so a session in a worker thread computes it while this thread writes those responses.
   */
  private runEnded(): void {
    this.running = false;
    if (this.queue.length > 0) {
      // What queued during the run has waited at least that long: run it now.
      this.flush();
    } else {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private take(): Pending[] {
    const batch: Pending[] = [this.queue.shift()!];
    let rows = batch[0]!.table.rowCount;
    while (this.queue.length > 0 && rows + this.queue[0]!.table.rowCount <= this.options.maxBatchSize) {
      const next = this.queue.shift()!;
      rows += next.table.rowCount;
      batch.push(next);
    }
    this.queuedRows -= rows;
    return batch;
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    let predictions: Predictions;
    try {
      const table = batch.length === 1 ? batch[0]!.table : concatTables(batch.map((pending) => pending.table));
      this.options.onRun?.(table.rowCount);
      predictions = await this.options.run(table);
    } catch (error) {
      if (batch.length === 1) batch[0]!.reject(error);
      // A failed batch runs again request by request, so only the bad request fails.
      else for (const pending of batch) await this.runOne(pending);
      this.runEnded();
      return;
    }
    this.runEnded();
    if (batch.length === 1) return batch[0]!.resolve(predictions);
    let offset = 0;
    for (const pending of batch) {
      pending.resolve(slicePredictions(predictions, offset, pending.table.rowCount));
      offset += pending.table.rowCount;
    }
  }

  private async runOne(pending: Pending): Promise<void> {
    try {
      this.options.onRun?.(pending.table.rowCount);
      pending.resolve(await this.options.run(pending.table));
    } catch (error) {
      pending.reject(error);
    }
  }
}

/** Tables with the same columns, rows appended in order. */
export function concatTables(tables: readonly Table[]): Table {
  const rowCount = tables.reduce((sum, table) => sum + table.rowCount, 0);
  const columns = tables[0]!.columns.map((first, index): Column => {
    if (first.kind === 'number') {
      const values = new Float64Array(rowCount);
      let offset = 0;
      for (const table of tables) {
        values.set(table.columns[index]!.values as Float64Array, offset);
        offset += table.rowCount;
      }
      return { name: first.name, kind: 'number', values };
    }
    const values: (string | null)[] = [];
    for (const table of tables) for (const value of table.columns[index]!.values as (string | null)[]) values.push(value);
    return { name: first.name, kind: 'string', values };
  });
  return { columns, rowCount };
}

/** The predictions of rows [offset, offset + rows). */
export function slicePredictions(predictions: Predictions, offset: number, rows: number): Predictions {
  const label = predictions.label.subarray(offset, offset + rows);
  if (!predictions.probabilities) return { rows, label };
  const classes = predictions.probabilities.length / predictions.rows;
  return { rows, label, probabilities: predictions.probabilities.subarray(offset * classes, (offset + rows) * classes) };
}
