/** Told when the server stops or resumes taking writes (once per change) or could not read a record, so that it is logged loudly. */
export type StorageAlert = (
  event:
    | { event: 'storage-read-only'; reason: string }
    | { event: 'storage-writable'; after: string }
    | { event: 'storage-read-failed'; hash: string; reason: string },
) => void;

/** The default alert: one JSON line on stderr, where a supervisor or journald sees it next to crashes. */
export function stderrAlert(stream: NodeJS.WritableStream = process.stderr): StorageAlert {
  return (event) => {
    stream.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', ...event })}\n`);
  };
}

/**
 * A cache whose storage cannot take writes keeps serving hits and answers every PUT with 403
 * (Nx's "not stored, carry on") instead of 500 (which fails the run). Once read-only, a PUT
 * goes to the disk again only every `retryMs` (a trial: success makes the cache writable
 * again), so a full disk is not hammered with uploads that are bound to fail.
 */
export class ReadOnlyMode {
  private reason: string | undefined;
  /** False when the health probe's one byte proves nothing (an upload found the disk full). */
  private probeCanClear = true;
  private nextTrialAt = 0;

  constructor(
    private readonly retryMs: number,
    private readonly alert: StorageAlert,
    private readonly now: () => number = Date.now,
  ) {}

  /** Why writes are refused now, or undefined when the storage takes writes. */
  get current(): string | undefined {
    return this.reason;
  }

  /** Whether this PUT should try the disk: always when writable; one trial per `retryMs` when read-only. */
  admitWrite(): boolean {
    if (this.reason === undefined) return true;
    if (this.now() < this.nextTrialAt) return false;
    this.nextTrialAt = this.now() + this.retryMs;
    return true;
  }

  /**
   * A write (or the health probe) failed because of the storage: refuse writes from now on.
   * `outOfSpace`: a full disk or quota, which only a real upload can show to be over.
   */
  enter(reason: string, outOfSpace: boolean): void {
    if (this.reason === undefined) this.alert({ event: 'storage-read-only', reason });
    this.reason = reason;
    this.probeCanClear = !outOfSpace;
    this.nextTrialAt = this.now() + this.retryMs;
  }

  /**
   * A write succeeded, or the health probe did: take writes again. A probe (one byte) cannot
   * clear a lack of space an upload ran into (a disk with a few bytes left); it clears the rest
   * (a folder that is back, a mount that is writable again).
   */
  leave(by: 'write' | 'probe'): void {
    if (this.reason === undefined || (by === 'probe' && !this.probeCanClear)) return;
    this.alert({ event: 'storage-writable', after: this.reason });
    this.reason = undefined;
  }
}
