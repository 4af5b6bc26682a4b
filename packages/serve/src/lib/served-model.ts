import type { Column, Table } from '@reproml/core';
import {
  inferenceSessionOptions,
  type LoadedModel,
  loadModelBytes,
  type ModelSignature,
  type Predictions,
  predictTable,
  readModelSignature,
  WorkerSession,
} from '@reproml/onnx';
import { MicroBatcher } from './micro-batcher';
import type { ModelRef } from './model-source';
import type { Answering } from './prediction-response';

export interface ServedModelOptions {
  maxBatchSize: number;
  maxWaitMs: number;
  threads: number;
  interOpThreads: number;
  inferenceThread: 'worker' | 'main';
  onRun?(rows: number): void;
}

/**
 * One loaded version: its own onnxruntime session and micro-batcher. Requests lease it for
 * their whole life, so a version that was swapped out finishes every request it admitted
 * before its session is released.
 */
export class ServedModel implements Answering {
  readonly name: string;
  readonly version: number;
  readonly fingerprint: string;
  readonly signature: ModelSignature;
  private readonly batcher: MicroBatcher;
  private leases = 0;
  private leaseWaiters: (() => void)[] = [];

  private constructor(
    ref: ModelRef,
    private readonly model: LoadedModel,
    options: ServedModelOptions,
  ) {
    this.name = ref.name;
    this.version = ref.version;
    this.fingerprint = ref.fingerprint;
    this.signature = model.signature;
    this.batcher = new MicroBatcher({
      maxBatchSize: options.maxBatchSize,
      maxWaitMs: options.maxWaitMs,
      run: (table) => predictTable({ model, table, file: `${ref.name} v${ref.version}` }),
      onRun: options.onRun,
    });
  }

  /**
   * Creates the session (in a worker thread, see WorkerSession) and runs one row through it,
   * so the first request does not pay for the warm-up.
   */
  static async load(params: { ref: ModelRef; bytes: Uint8Array; file: string; options: ServedModelOptions }): Promise<ServedModel> {
    const { threads, interOpThreads } = params.options;
    let model: LoadedModel;
    if (params.options.inferenceThread === 'main') {
      model = await loadModelBytes({ bytes: params.bytes, file: params.file, threads, interOpThreads });
    } else {
      const session = await WorkerSession.create(params.bytes, inferenceSessionOptions({ threads, interOpThreads }));
      model = { session, signature: readModelSignature(params.bytes), file: params.file, release: () => session.release() };
    }
    try {
      await predictTable({ model, table: warmUpRow(model.signature), file: `${params.ref.name} v${params.ref.version} (warm-up)` });
    } catch (error) {
      await model.release();
      throw error;
    }
    return new ServedModel(params.ref, model, params.options);
  }

  lease(): () => void {
    this.leases++;
    let returned = false;
    return () => {
      if (returned) return;
      returned = true;
      this.leases--;
      if (this.leases === 0) for (const resolve of this.leaseWaiters.splice(0)) resolve();
    };
  }

  predict(table: Table): Promise<Predictions> {
    return this.batcher.submit(table);
  }

  /** Waits for every lease to end and the batcher to empty, then releases the session. */
  async retire(): Promise<void> {
    if (this.leases > 0) await new Promise<void>((resolve) => this.leaseWaiters.push(resolve));
    await this.batcher.idle();
    await this.model.release();
  }
}

/** One row the model accepts: missing numbers, and a string each encoder knows (or empty). */
function warmUpRow(signature: ModelSignature): Table {
  const columns: Column[] = signature.rawInputs.map((input) =>
    input.kind === 'number'
      ? { name: input.name, kind: 'number', values: new Float64Array([Number.NaN]) }
      : { name: input.name, kind: 'string', values: [[...(signature.acceptedStrings.get(input.name) ?? [''])][0] ?? ''] },
  );
  return { columns, rowCount: 1 };
}
