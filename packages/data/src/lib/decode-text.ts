import { isUtf8 } from 'node:buffer';
import { DataError } from '@reproml/core';
import { z } from 'zod';

export const textEncodingSchema = z.enum(['utf-8', 'utf-16le', 'latin1']);
export type TextEncoding = z.infer<typeof textEncodingSchema>;

export interface DecodeTextParams {
  bytes: Uint8Array;
  encoding: TextEncoding;
  /** Workspace-relative path (or URL) of the file, for messages. */
  file: string;
}

/**
 * Decodes a text file with an explicit encoding. Invalid UTF-8 is an error rather than
 * U+FFFD replacement characters, because silently changed strings change categories.
 * A leading byte-order mark is dropped.
 */
export function decodeText(params: DecodeTextParams): string {
  const { bytes, encoding, file } = params;
  if (encoding === 'utf-8' && !isUtf8(bytes)) {
    const offset = firstInvalidUtf8Offset(bytes);
    throw new DataError(`${file} is not valid UTF-8 (first invalid byte at offset ${offset})`, {
      file,
      hint: 'Re-save the file as UTF-8, or declare its real encoding with "encoding": "latin1" or "utf-16le".',
    });
  }
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
