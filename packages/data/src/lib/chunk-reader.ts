import { isUtf8 } from 'node:buffer';
import { type FileHandle, open } from 'node:fs/promises';
import { StageIOError } from '@reproml/core';
import { firstInvalidUtf8Offset } from './decode-text';

/** Bytes read from disk at a time. */
const CHUNK_BYTES = 1 << 20;

/**
 * The file's bytes in one growing window: `bytes[start, end)` is read and not yet consumed,
 * `bytes[start, valid)` is checked UTF-8 (a character cut at `valid` waits for the next read).
 * The next chunk is read ahead while the caller works on this one (the disk and the parser
 * overlap; memory: one more chunk).
 */
export class ChunkReader {
  bytes: Buffer = Buffer.allocUnsafe(2 * CHUNK_BYTES);
  start = 0;
  end = 0;
  valid = 0;
  eof = false;
  /** File offset of `bytes[0]`. */
  private fileOffset = 0;
  /** The read ahead into `spare` (its byte count), if one is under way. */
  private ahead: Promise<number> | undefined;
  private spare: Buffer | undefined;

  private constructor(
    private readonly handle: FileHandle | undefined,
    private readonly file: string,
  ) {}

  /** A reader over bytes already in memory and already checked to be UTF-8 (the whole file at once). */
  static fromBytes(bytes: Buffer, file: string): ChunkReader {
    const reader = new ChunkReader(undefined, file);
    reader.bytes = bytes;
    reader.end = bytes.length;
    reader.valid = bytes.length;
    reader.eof = true;
    reader.size = bytes.length;
    return reader;
  }

  /** The file's size in bytes when it was opened (the bytes' length for `fromBytes`). */
  size = 0;

  static async open(params: { path: string; file: string }): Promise<ChunkReader> {
    try {
      const handle = await open(params.path, 'r');
      const reader = new ChunkReader(handle, params.file);
      reader.size = await handle.stat().then(
        (stats) => stats.size,
        async (error) => {
          await handle.close();
          throw error;
        },
      );
      return reader;
    } catch (error) {
      throw readError(params.file, error);
    }
  }

  /** Offset (in the window) of the first invalid UTF-8 byte read, or -1: `valid` stops there, so the bytes before it can still be scanned. */
  invalid = -1;

  /** Reads the next chunk after the unconsumed bytes (moved to the front first) and checks it. */
  async fill(): Promise<void> {
    if (this.start > 0) {
      this.bytes.copy(this.bytes, 0, this.start, this.end);
      this.fileOffset += this.start;
      this.valid -= this.start;
      this.end -= this.start;
      this.start = 0;
    }
    if (this.bytes.length - this.end < CHUNK_BYTES) {
      const bigger = Buffer.allocUnsafe(2 * this.bytes.length);
      this.bytes.copy(bigger, 0, 0, this.end);
      this.bytes = bigger;
    }
    let read: number;
    try {
      if (this.ahead !== undefined) {
        const ahead = this.ahead;
        this.ahead = undefined;
        read = await ahead;
        this.spare!.copy(this.bytes, this.end, 0, read);
      } else ({ bytesRead: read } = await this.handle!.read(this.bytes, this.end, CHUNK_BYTES, null));
    } catch (error) {
      throw readError(this.file, error);
    }
    this.end += read;
    if (read === 0) this.eof = true;
    else this.readAhead();
    const checkedEnd = this.eof ? this.end : completeUtf8End(this.bytes, this.valid, this.end);
    const span = this.bytes.subarray(this.valid, checkedEnd);
    if (isUtf8(span)) this.valid = checkedEnd;
    else {
      this.invalid = this.valid + firstInvalidUtf8Offset(span);
      this.valid = this.invalid;
      this.eof = false;
    }
  }

  fileOffsetOf(position: number): number {
    return this.fileOffset + position;
  }

  async close(): Promise<void> {
    await this.ahead?.catch(() => undefined);
    await this.handle?.close();
  }

  /** Starts reading the next chunk into `spare` (a failure surfaces in the `fill` that takes it). */
  private readAhead(): void {
    this.spare ??= Buffer.allocUnsafe(CHUNK_BYTES);
    const ahead = this.handle!.read(this.spare, 0, CHUNK_BYTES, null).then(({ bytesRead }) => bytesRead);
    ahead.catch(() => undefined);
    this.ahead = ahead;
  }
}

function readError(file: string, error: unknown): StageIOError {
  return new StageIOError(`Cannot read ${file}: ${(error as Error).message}`, {
    file,
    hint: 'Check that the file exists and is readable (an upstream stage may not have run).',
    cause: error,
  });
}

/** End of `bytes[from, end)` without a multi-byte character cut off at its end (it continues in the next chunk). */
function completeUtf8End(bytes: Buffer, from: number, end: number): number {
  for (let back = 1; back <= Math.min(3, end - from); back++) {
    const byte = bytes[end - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? end - back : end;
  }
  return end;
}
