import { DataError } from '@reproml/core';
import type { ChunkReader } from './chunk-reader';
import { invalidUtf8Error } from './decode-text';
import { MAX_FIELD_LENGTH } from './max-field-length';

/** A JSONL line (one record, many fields) may be longer than one field, but not without bound. */
export const MAX_RECORD_LENGTH = 64 * MAX_FIELD_LENGTH;

/** One record of a JSONL file and the line it is on (1-based; blank lines count). */
export interface JsonlRecord {
  record: Record<string, unknown>;
  line: number;
}

/**
 * The records of a JSONL file, a chunk of bytes at a time (memory: one chunk and one line):
 * a leading byte order mark is skipped, blank lines are skipped, a line that is not a JSON
 * object, a line over MAX_RECORD_LENGTH bytes and invalid UTF-8 are errors naming the line.
 */
export async function* jsonlRecords(reader: ChunkReader, file: string): AsyncGenerator<JsonlRecord> {
  let line = 0;
  let atFileStart = true;
  for (;;) {
    const { bytes } = reader;
    if (atFileStart && (reader.valid - reader.start >= 3 || reader.eof)) {
      if (bytes[reader.start] === 0xef && bytes[reader.start + 1] === 0xbb && bytes[reader.start + 2] === 0xbf) reader.start += 3;
      atFileStart = false;
    }
    while (!atFileStart && reader.start < reader.valid) {
      let end = bytes.indexOf(0x0a, reader.start);
      if (end === -1 || end >= reader.valid) {
        if (!reader.eof) break;
        end = reader.valid;
      }
      line++;
      const record = parseJsonLine(bytes, reader.start, end, line, file);
      reader.start = Math.min(end + 1, reader.valid);
      if (record !== undefined) yield { record, line };
    }
    if (reader.eof) return;
    if (reader.valid - reader.start > MAX_RECORD_LENGTH) {
      throw new DataError(`${file}: line ${line + 1} is over ${MAX_RECORD_LENGTH.toLocaleString('en-US')} bytes long with no line end`, {
        file,
        hint: 'A JSONL file holds one record per line; check that the file is JSONL and not one large JSON document.',
      });
    }
    if (reader.invalid !== -1) {
      let at = line + 1;
      for (let i = reader.start; i < reader.invalid; i++) if (reader.bytes[i] === 0x0a) at++;
      throw invalidUtf8Error({ file, offset: reader.fileOffsetOf(reader.invalid), line: at });
    }
    await reader.fill();
  }
}

/** One JSONL line as a record; undefined for a blank line. */
function parseJsonLine(bytes: Buffer, start: number, end: number, line: number, file: string): Record<string, unknown> | undefined {
  const text = bytes.toString('utf8', start, end > start && bytes[end - 1] === 0x0d ? end - 1 : end);
  if (text.trim() === '') return undefined;
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (error) {
    throw new DataError(`${file}: line ${line} is not valid JSON: ${(error as Error).message}`, {
      file,
      hint: 'Each line of a JSONL file holds one complete JSON object.',
      cause: error,
    });
  }
  if (!record || typeof record !== 'object' || Array.isArray(record)) {
    throw new DataError(`${file}: line ${line} is not an object`, { file, hint: 'Every record should be a JSON object mapping column names to values.' });
  }
  return record as Record<string, unknown>;
}
