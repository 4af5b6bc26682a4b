import { RequestError } from './request-error';

/**
 * The bounded in-flight queue: at most `limit` inference requests are admitted at once
 * (reading, queued for a batch or running); the next gets 429 with Retry-After. While the
 * server drains (SIGTERM) every new request gets 503 and the connection is closed.
 */
export class Admission {
  private active = 0;
  private draining = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly onChange: (active: number) => void = () => {},
  ) {}

  get inFlight(): number {
    return this.active;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Admits a request or throws the 429/503 to send; the returned function ends it. */
  admit(): () => void {
    if (this.draining) throw shuttingDown();
    if (this.active >= this.limit) {
      throw new RequestError(429, `the server is at its limit of ${this.limit} requests in flight`, {
        hint: 'Retry after a moment (Retry-After), or spread the load over more replicas.',
        headers: { 'retry-after': '1' },
      });
    }
    this.active++;
    this.onChange(this.active);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.active--;
      this.onChange(this.active);
      if (this.active === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    };
  }

  /** Refuses new requests from now on; resolves when the admitted ones are done. */
  drain(): Promise<void> {
    this.draining = true;
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

export function shuttingDown(): RequestError {
  return new RequestError(503, 'the server is shutting down', { hint: 'Retry on another replica.', headers: { connection: 'close', 'retry-after': '1' } });
}
