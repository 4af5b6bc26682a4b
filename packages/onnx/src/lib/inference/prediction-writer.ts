import { type FileHandle, open } from 'node:fs/promises';
import { StageIOError } from '@reproml/core';
import { writeFloat32 } from './format-float32';

/** Bytes buffered before a write to disk. */
const FLUSH_BYTES = 1 << 20;
/** Room one number needs (sign, 9 digits, point, exponent). */
const NUMBER_ROOM = 24;

/**
 * predictions.csv written straight into a preallocated byte buffer: cells are copied or
 * formatted in place (numbers by `writeFloat32`, no strings) and the buffer goes to disk
 * once it holds FLUSH_BYTES (checked between batches; it grows if a batch needs more). Text
 * cells are quoted as RFC 4180 needs. Two buffers take turns: one is written to disk while
 * the next batches fill the other (a write's failure surfaces at the next flush or close).
 */
export class PredictionWriter {
  private buffer = Buffer.allocUnsafe(2 * FLUSH_BYTES);
  private spare = Buffer.allocUnsafe(2 * FLUSH_BYTES);
  private at = 0;
  /** The write of `spare` under way. */
  private writing: Promise<void> | undefined;

  private constructor(
    private readonly handle: FileHandle,
    private readonly file: string,
  ) {}

  static async create(path: string): Promise<PredictionWriter> {
    try {
      return new PredictionWriter(await open(path, 'w'), path);
    } catch (error) {
      throw new StageIOError(`Cannot write ${path}: ${(error as Error).message}`, { file: path, cause: error });
    }
  }

  /** A text cell, quoted when it holds a quote, comma or line break. */
  text(value: string): void {
    // Worst case: 3 bytes of UTF-8 per UTF-16 unit (a doubled quote takes 2), plus the quotes.
    this.room(3 * value.length + 2);
    // Plain ASCII (keys, class names) is copied byte by byte: no call into the encoder.
    const buffer = this.buffer;
    const start = this.at;
    let at = start;
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code >= 0x80 || code === 34 || code === 44 || code === 10 || code === 13) {
        this.at = start;
        this.encodedText(value);
        return;
      }
      buffer[at++] = code;
    }
    this.at = at;
  }

  /** A text cell given as its UTF-8 bytes `bytes[start, end)`, quoted as `text` quotes it (same bytes as `text` of the decoded string). */
  textBytes(bytes: Uint8Array, start: number, end: number): void {
    this.room(2 * (end - start) + 2);
    const buffer = this.buffer;
    const begin = this.at;
    let at = begin;
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      // Bytes of multi-byte characters are all ≥ 0x80: only these ASCII bytes call for quotes.
      if (byte === 34 || byte === 44 || byte === 10 || byte === 13) {
        this.at = begin;
        this.quotedBytes(bytes, start, end);
        return;
      }
      buffer[at++] = byte;
    }
    this.at = at;
  }

  /** Bytes already in CSV form (a quoted class name, say). */
  raw(bytes: Uint8Array): void {
    this.room(bytes.length);
    if (bytes.length > 32) {
      this.buffer.set(bytes, this.at);
      this.at += bytes.length;
      return;
    }
    const buffer = this.buffer;
    let at = this.at;
    for (let i = 0; i < bytes.length; i++) buffer[at++] = bytes[i]!;
    this.at = at;
  }

  /** A non-negative integer (a row number). */
  integer(value: number): void {
    this.room(NUMBER_ROOM);
    if (!Number.isSafeInteger(value) || value < 0) {
      this.at += this.buffer.write(String(value), this.at, 'latin1');
      return;
    }
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    for (let i = this.at + digits - 1, rest = value; i >= this.at; i--) {
      const next = Math.floor(rest / 10);
      this.buffer[i] = 48 + rest - next * 10;
      rest = next;
    }
    this.at += digits;
  }

  /** A model output: the shortest text that reads back as the same float32. */
  float32(value: number): void {
    this.room(NUMBER_ROOM);
    this.at = writeFloat32(this.buffer, this.at, value);
  }

  comma(): void {
    this.room(1);
    this.buffer[this.at++] = 44;
  }

  endLine(): void {
    this.room(1);
    this.buffer[this.at++] = 10;
  }

  /** Starts writing the buffer to disk once it holds FLUSH_BYTES (call between rows, e.g. after each batch). */
  async flushIfFull(): Promise<void> {
    if (this.at >= FLUSH_BYTES) await this.flush();
  }

  /** Writes everything and closes the file (the file is closed even when a write failed). */
  async close(): Promise<void> {
    try {
      await this.flush();
      await this.writing;
    } finally {
      await this.writing?.catch(() => undefined);
      await this.handle.close();
    }
  }

  /** Waits for the previous write, then starts writing the buffer and fills the other one meanwhile. */
  private async flush(): Promise<void> {
    await this.writing;
    const [buffer, length] = [this.buffer, this.at];
    this.buffer = this.spare;
    this.spare = buffer;
    this.at = 0;
    const writing = this.writeAll(buffer, length);
    writing.catch(() => undefined);
    this.writing = writing;
  }

  private async writeAll(buffer: Buffer, length: number): Promise<void> {
    let written = 0;
    try {
      while (written < length) written += (await this.handle.write(buffer, written, length - written)).bytesWritten;
    } catch (error) {
      throw new StageIOError(`Cannot write ${this.file}: ${(error as Error).message}`, { file: this.file, cause: error });
    }
  }

  /** A text cell through the UTF-8 encoder, quoted when it needs to be (room already made). */
  private encodedText(value: string): void {
    if (!needsQuotes(value)) {
      this.at += this.buffer.write(value, this.at, 'utf8');
      return;
    }
    this.buffer[this.at++] = 34;
    this.at += this.buffer.write(value.replaceAll('"', '""'), this.at, 'utf8');
    this.buffer[this.at++] = 34;
  }

  /** `bytes[start, end)` in quotes, each quote doubled (room already made). */
  private quotedBytes(bytes: Uint8Array, start: number, end: number): void {
    const buffer = this.buffer;
    let at = this.at;
    buffer[at++] = 34;
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      if (byte === 34) buffer[at++] = 34;
      buffer[at++] = byte;
    }
    buffer[at++] = 34;
    this.at = at;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.at + bytes));
    this.buffer.copy(bigger, 0, 0, this.at);
    this.buffer = bigger;
  }
}

/** The CSV form of a text cell as bytes. */
export function csvCellBytes(value: string): Buffer {
  return Buffer.from(needsQuotes(value) ? `"${value.replaceAll('"', '""')}"` : value, 'utf8');
}

function needsQuotes(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 34 || code === 44 || code === 10 || code === 13) return true;
  }
  return false;
}
