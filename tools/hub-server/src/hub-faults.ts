/** What the next matching requests should suffer, for tests of retries and broken downloads. */
export type HubFault =
  /** Answer with this HTTP status and a JSON error body. */
  | { kind: 'status'; status: number }
  /** Send the headers of the full response (Content-Length included), half the body, then cut the connection. */
  | { kind: 'truncate' }
  /** Never answer (until the server closes): a client timeout must fire. */
  | { kind: 'stall' }
  /** Hold the request until `count` matching requests have arrived, then let them all through: a race made certain. */
  | { kind: 'barrier'; arrived: Promise<void> };

interface PendingFault {
  fault: HubFault;
  remaining: number;
  /** Only requests whose `METHOD path` matches. */
  match?: RegExp;
  /** Called when the last of `remaining` is taken (barriers). */
  onLast?: () => void;
}

export class HubFaults {
  private readonly pending: PendingFault[] = [];

  /** The next `count` matching requests answer `status` (default 500). */
  failNext(count: number, options: { status?: number; match?: RegExp } = {}): void {
    this.pending.push({ fault: { kind: 'status', status: options.status ?? 500 }, remaining: count, match: options.match });
  }

  /** The next `count` matching file downloads (GET without Range) are cut short. */
  truncateNext(count: number, options: { match?: RegExp } = {}): void {
    this.pending.push({ fault: { kind: 'truncate' }, remaining: count, match: options.match });
  }

  stallNext(count: number, options: { match?: RegExp } = {}): void {
    this.pending.push({ fault: { kind: 'stall' }, remaining: count, match: options.match });
  }

  /**
   * The next `count` matching requests wait for one another, then are handled in arrival
   * order: e.g. two clients' commits, so both were decided on the same head (one must lose).
   */
  barrierNext(count: number, options: { match?: RegExp; timeoutMs?: number } = {}): void {
    let release!: () => void;
    const arrived = new Promise<void>((resolve) => {
      release = resolve;
    });
    // A client that never comes must not hang the others forever: they go on after the timeout.
    setTimeout(release, options.timeoutMs ?? 30_000).unref();
    const entry: PendingFault = { fault: { kind: 'barrier', arrived }, remaining: count, match: options.match, onLast: release };
    this.pending.push(entry);
  }

  clear(): void {
    this.pending.length = 0;
  }

  /** Takes the fault for this request, if one is due. `full` tells whether the request reads a whole file body. */
  take(request: string, options: { full: boolean }): HubFault | undefined {
    const index = this.pending.findIndex(
      (entry) => entry.remaining > 0 && (!entry.match || entry.match.test(request)) && (entry.fault.kind !== 'truncate' || options.full),
    );
    if (index === -1) return undefined;
    const entry = this.pending[index]!;
    entry.remaining--;
    if (entry.remaining === 0) {
      this.pending.splice(index, 1);
      entry.onLast?.();
    }
    return entry.fault;
  }
}
