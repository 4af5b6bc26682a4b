/** Cells longer than this are decoded each time (categories are short; long texts rarely repeat). */
const MAX_INTERNED_BYTES = 64;
const SLOTS = 1 << 12;
/** Past this many distinct values the column is not categorical: new values are decoded, not stored. */
const MAX_ENTRIES = SLOTS / 2;

/**
 * Decodes cells of one column, returning the same string object for the same bytes: a
 * categorical column of ten million rows then holds ten million references to a few strings
 * instead of ten million strings, and most cells are found without decoding. Lookup hashes the
 * bytes (FNV-1a) into an open-addressing table; only short cells are interned.
 */
export class StringInterner {
  private readonly hashes = new Int32Array(SLOTS);
  private readonly strings: (string | undefined)[] = new Array(SLOTS);
  private readonly offsets = new Int32Array(SLOTS);
  private readonly lengths = new Int32Array(SLOTS);
  private pool = new Uint8Array(4096);
  private poolUsed = 0;
  private entries = 0;

  /** The UTF-8 text of `bytes[start, end)`. */
  decode(bytes: Buffer, start: number, end: number): string {
    const length = end - start;
    if (length > MAX_INTERNED_BYTES) return bytes.toString('utf8', start, end);
    let hash = 0x811c9dc5 | 0;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
    let slot = hash & (SLOTS - 1);
    for (;;) {
      const stored = this.strings[slot];
      if (stored === undefined) break;
      if (this.hashes[slot] === hash && this.lengths[slot] === length && this.sameBytes(this.offsets[slot]!, bytes, start, length)) return stored;
      slot = (slot + 1) & (SLOTS - 1);
    }
    const text = bytes.toString('utf8', start, end);
    if (this.entries < MAX_ENTRIES) this.insert(slot, hash, text, bytes, start, length);
    return text;
  }

  private sameBytes(offset: number, bytes: Buffer, start: number, length: number): boolean {
    const pool = this.pool;
    for (let i = 0; i < length; i++) if (pool[offset + i] !== bytes[start + i]) return false;
    return true;
  }

  private insert(slot: number, hash: number, text: string, bytes: Buffer, start: number, length: number): void {
    if (this.poolUsed + length > this.pool.length) {
      const bigger = new Uint8Array(2 * (this.pool.length + length));
      bigger.set(this.pool.subarray(0, this.poolUsed));
      this.pool = bigger;
    }
    this.pool.set(bytes.subarray(start, start + length), this.poolUsed);
    this.hashes[slot] = hash;
    this.strings[slot] = text;
    this.offsets[slot] = this.poolUsed;
    this.lengths[slot] = length;
    this.poolUsed += length;
    this.entries++;
  }
}
