import { isUtf8 } from 'node:buffer';
import { DataError } from '@reproml/core';
import { z } from 'zod';
import { splitHeader } from './split-header';

export const textEncodingSchema = z.enum(['utf-8', 'utf-16le', 'latin1']);
export type TextEncoding = z.infer<typeof textEncodingSchema>;

export interface DecodeTextParams {
  bytes: Uint8Array;
  encoding: TextEncoding;
  /** Workspace-relative path (or URL) of the file, for messages. */
  file: string;
  /** CSV/TSV delimiter: lets an invalid byte be reported with its column. */
  delimiter?: ',' | '\t';
}

/**
 * Decodes a text file with an explicit encoding. Invalid UTF-8 is an error rather than
 * U+FFFD replacement characters, because silently changed strings change categories.
 * A leading byte-order mark is dropped.
 */
export function decodeText(params: DecodeTextParams): string {
  const { bytes, encoding, file } = params;
  if (encoding === 'utf-8') assertUtf8(params);
  let text: string;
  try {
    text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(encoding === 'utf-8' ? 'utf8' : encoding);
  } catch (error) {
    throw new DataError(`${file} is too large to decode as one text (${bytes.byteLength} bytes)`, {
      file,
      hint: 'Split it into several files, or store it as Parquet or JSONL.',
      cause: error,
    });
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The file's text as UTF-8 bytes, for the byte-level readers: UTF-8 is checked (strictly, as
 * `decodeText` does) and returned as is; other encodings are decoded and re-encoded. A leading
 * byte-order mark is left for the reader (the delimited scanner drops it).
 */
export function utf8TableBytes(params: DecodeTextParams): Buffer {
  const { bytes } = params;
  if (params.encoding === 'utf-8') {
    assertUtf8(params);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return Buffer.from(decodeText(params), 'utf8');
}

/** Invalid UTF-8 is an error naming the offset, line and (CSV/TSV) column of the first bad byte. */
export function assertUtf8(params: Omit<DecodeTextParams, 'encoding'>): void {
  const { bytes, file } = params;
  if (isUtf8(bytes)) return;
  const offset = firstInvalidUtf8Offset(bytes);
  throw invalidUtf8Error({ file, offset, ...locateByte({ bytes, offset, delimiter: params.delimiter }) });
}

export function invalidUtf8Error(params: { file: string; offset: number; line: number; column?: string }): DataError {
  const { file, offset } = params;
  const column = params.column === undefined ? '' : `, column '${params.column}'`;
  return new DataError(`${file} is not valid UTF-8 (first invalid byte at offset ${offset}, line ${params.line}${column})`, {
    file,
    ...(params.column === undefined ? {} : { field: params.column }),
    hint: 'Re-save the file as UTF-8, or declare its real encoding with "encoding": "latin1" or "utf-16le".',
  });
}

/** Byte offset of the first byte that breaks UTF-8 (only called once decoding has failed). */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    // Overlong forms and surrogates, the cases the continuation check alone lets through.
    const second = bytes[i + 1] ?? 0;
    if ((lead === 0xe0 && second < 0xa0) || (lead === 0xed && second > 0x9f) || (lead === 0xf0 && second < 0x90) || (lead === 0xf4 && second > 0x8f)) {
      return i;
    }
    i += length;
  }
  return bytes.length;
}

/**
 * Line (1-based) of a byte offset and, for delimited text, the header name of the column it
 * falls in (`column 3` when the header itself is broken). Quotes are followed, so a delimiter
 * inside a quoted field does not shift the column.
 */
export function locateByte(params: { bytes: Uint8Array; offset: number; delimiter?: string }): { line: number; column?: string } {
  const { bytes, offset } = params;
  let line = 1;
  let lineStart = 0;
  let inQuotes = false;
  for (let i = 0; i < offset; i++) {
    const byte = bytes[i]!;
    if (byte === 0x22) inQuotes = !inQuotes;
    else if (byte === 0x0a) {
      // Lines are the file's lines (as the delimited scanner counts them); the column counts from the record's start.
      line++;
      if (!inQuotes) lineStart = i + 1;
    }
  }
  if (params.delimiter === undefined) return { line };
  const delimiter = params.delimiter.charCodeAt(0);
  const index = countDelimiters(bytes, lineStart, offset, delimiter);
  if (line === 1) return { line, column: `column ${index + 1}` };
  const headerEnd = bytes.indexOf(0x0a);
  const header = Buffer.from(bytes.buffer, bytes.byteOffset, headerEnd)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .replace(/\r$/, '');
  const names = splitHeader(header, params.delimiter);
  return { line, column: names[index] ?? `column ${index + 1}` };
}

function countDelimiters(bytes: Uint8Array, start: number, end: number, delimiter: number): number {
  let count = 0;
  let inQuotes = false;
  for (let i = start; i < end; i++) {
    if (bytes[i] === 0x22) inQuotes = !inQuotes;
    else if (bytes[i] === delimiter && !inQuotes) count++;
  }
  return count;
}
