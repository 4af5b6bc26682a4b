import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { ModelSession } from './inference-runner';

/**
 * The worker's code (a string, so it needs no file of its own: it runs the same from the
 * workspace and from a packaged server.js). It creates one onnxruntime session and runs it
 * on request; tensors cross as typed arrays, their buffers transferred, not copied.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.onnxruntime);
let session;
const buffers = (tensors) => Object.values(tensors).filter((t) => ArrayBuffer.isView(t.data)).map((t) => t.data.buffer);
parentPort.on('message', async (message) => {
  try {
    if (message.type === 'create') {
      session = await ort.InferenceSession.create(message.bytes, message.options);
      parentPort.postMessage({ id: message.id, ok: true });
    } else if (message.type === 'run') {
      const feeds = {};
      for (const [name, t] of Object.entries(message.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
      const out = await session.run(feeds);
      const result = {};
      for (const [name, t] of Object.entries(out)) result[name] = { type: t.type, data: t.data, dims: t.dims };
      parentPort.postMessage({ id: message.id, ok: true, result }, buffers(result));
    } else if (message.type === 'release') {
      await session?.release();
      parentPort.postMessage({ id: message.id, ok: true });
    }
  } catch (error) {
    parentPort.postMessage({ id: message.id, ok: false, error: String(error && error.message ? error.message : error) });
  }
});
`;

interface WireTensor {
  type: ort.Tensor.Type;
  data: ort.Tensor.DataType;
  dims: readonly number[];
}

/**
 * An onnxruntime session in a worker thread. onnxruntime-node runs `session.run` on the
 * calling thread, which would block the event loop for the whole run; in a worker, the main
 * thread keeps reading, parsing and answering requests (serve) or parsing the next batch and
 * writing the last one's predictions (predict) while a batch runs.
 */
export class WorkerSession implements ModelSession {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private failure: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.ok) waiting?.resolve(message.result);
      else waiting?.reject(new Error(message.error));
    });
    const fail = (error: Error) => {
      this.failure = error;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the inference worker exited (code ${code})`)));
  }

  static async create(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<WorkerSession> {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { onnxruntime: require.resolve('onnxruntime-node') } });
    const session = new WorkerSession(worker);
    try {
      await session.call({ type: 'create', bytes, options });
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return session;
  }

  async run(feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.OnnxValueMapType> {
    const wire: Record<string, WireTensor> = {};
    for (const [name, tensor] of Object.entries(feeds)) wire[name] = { type: tensor.type, data: tensor.data, dims: tensor.dims };
    const result = (await this.call({ type: 'run', feeds: wire })) as Record<string, WireTensor>;
    return Object.fromEntries(Object.entries(result).map(([name, tensor]) => [name, new ort.Tensor(tensor.type, tensor.data as never, tensor.dims)]));
  }

  async release(): Promise<void> {
    try {
      if (!this.failure) await this.call({ type: 'release' });
    } finally {
      await this.worker.terminate();
    }
  }

  private call(message: Record<string, unknown>): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }
}
