import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** Every knob of the server, with its default: the CLI flags and the packaged server's env map onto these names. */
export const serveOptionsSchema = z
  .object({
    host: z.string().default('127.0.0.1').meta({ description: 'Address to listen on. Default: 127.0.0.1 (loopback).' }),
    port: z.number().int().min(0).max(65535).default(8080).meta({ description: 'Port; 0 picks a free one. Default: 8080.' }),
    maxBatchSize: positiveInt
      .default(64)
      .meta({ description: 'Rows per session.run at most (a larger request runs alone). 1 turns batching off. Default: 64.' }),
    maxWaitMs: z.number().min(0).default(2).meta({ description: 'How long the first queued request waits for others before its batch runs. Default: 2 ms.' }),
    threads: z
      .number()
      .int()
      .min(0)
      .default(0)
      .meta({ description: "onnxruntime intra-op threads per session; 0 = onnxruntime's default (one per core). Default: 0." }),
    inferenceThread: z.enum(['worker', 'main']).default('main').meta({
      description:
        "Where session.run runs: 'main' (onnxruntime-node runs it on the event loop, blocking it for the run) or 'worker' (a worker thread per loaded version, so the event loop keeps serving during a run; helps when cores are free: see bench/serve). Default: main.",
    }),
    interOpThreads: positiveInt.default(1).meta({ description: 'onnxruntime inter-op threads per session. Default: 1.' }),
    maxInFlight: positiveInt
      .default(1024)
      .meta({ description: 'Inference requests admitted at once (decoding, queued or running); more get 429. Default: 1024.' }),
    maxBodyBytes: positiveInt.default(1024 * 1024).meta({ description: 'Largest request body; larger gets 413. Default: 1 MiB.' }),
    headersTimeoutMs: positiveInt.default(10_000).meta({ description: 'Time to receive the request headers; slower gets 408. Default: 10 s.' }),
    requestTimeoutMs: positiveInt.default(30_000).meta({ description: 'Time to receive the whole request; slower gets 408. Default: 30 s.' }),
    // Longer than the idle timeout of the clients and proxies in front (undici 4 s, nginx and cloud load balancers 60 s):
    // a server that closes an idle connection first races the client's next request on it ("other side closed").
    keepAliveTimeoutMs: positiveInt
      .default(65_000)
      .meta({ description: 'Idle keep-alive connections close after this; keep it above the idle timeout of clients and proxies. Default: 65 s.' }),
    drainTimeoutMs: positiveInt
      .default(30_000)
      .meta({ description: 'On SIGTERM, how long in-flight requests may take before connections are cut. Default: 30 s.' }),
    pollIntervalMs: positiveInt.default(1_000).meta({ description: 'How often the alias is checked for a promote or rollback. Default: 1 s.' }),
  })
  .strict();
export type ServeOptions = z.infer<typeof serveOptionsSchema>;
export type ServeOptionsInput = z.input<typeof serveOptionsSchema>;
