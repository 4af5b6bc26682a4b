import type { ModelSource } from './model-source';
import type { ServeMetrics } from './serve-metrics';
import { ServedModel, type ServedModelOptions } from './served-model';

export interface ModelHostEvents {
  log(message: string): void;
  warn(message: string): void;
}

/**
 * Holds the version being served and follows the source: every poll interval it asks the
 * source what to serve; on a change (promote, rollback) it loads and warms the new version
 * beside the old one, switches with one assignment (requests already admitted finish on the
 * version that admitted them), then retires the old one. A version that fails to load is
 * reported and the current one keeps serving.
 */
export class ModelHost {
  private served: ServedModel | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private failedFingerprint: string | undefined;

  constructor(
    readonly source: ModelSource,
    private readonly options: ServedModelOptions & { pollIntervalMs: number },
    private readonly metrics: ServeMetrics,
    private readonly events: ModelHostEvents,
  ) {}

  get current(): ServedModel | undefined {
    return this.served;
  }

  /** Loads what the source names now (throws if it cannot: nothing to serve). */
  async start(): Promise<ServedModel> {
    const ref = await this.source.resolve();
    const { bytes, file } = await this.source.readModel(ref);
    this.served = await ServedModel.load({ ref, bytes, file, options: this.options });
    this.metrics.setLoaded(this.served);
    if (this.source.follows) this.timer = setInterval(() => void this.check(), this.options.pollIntervalMs);
    return this.served;
  }

  /** One poll: swap if the source names another version. Concurrent calls share one check. */
  check(): Promise<void> {
    this.checking ??= this.swapIfMoved().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async swapIfMoved(): Promise<void> {
    let ref: Awaited<ReturnType<ModelSource['resolve']>>;
    try {
      ref = await this.source.resolve();
    } catch (error) {
      this.events.warn(`cannot read ${this.source.label} from the registry (still serving v${this.served?.version}): ${(error as Error).message}`);
      return;
    }
    const current = this.served;
    if (!current || (ref.version === current.version && ref.fingerprint === current.fingerprint)) return;
    if (ref.fingerprint === this.failedFingerprint) return;
    let next: ServedModel;
    try {
      const { bytes, file } = await this.source.readModel(ref);
      next = await ServedModel.load({ ref, bytes, file, options: this.options });
    } catch (error) {
      this.failedFingerprint = ref.fingerprint;
      this.metrics.swapFailures.inc({ model: ref.name, version: String(ref.version) });
      this.events.warn(
        `${this.source.label} moved to v${ref.version} but it cannot be served (still serving v${current.version}): ${(error as Error).message}`,
      );
      return;
    }
    if (this.stopped) {
      await next.retire();
      return;
    }
    this.served = next;
    this.failedFingerprint = undefined;
    this.metrics.setLoaded(next);
    this.metrics.swaps.inc({ model: next.name });
    this.events.log(`${this.source.label} moved: now serving v${next.version} (was v${current.version}, fingerprint ${next.fingerprint.slice(0, 12)}…)`);
    await current.retire();
  }

  private stopped = false;

  /** Stops following the source and releases the current version once its requests are done. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.checking;
    await this.served?.retire();
  }
}
