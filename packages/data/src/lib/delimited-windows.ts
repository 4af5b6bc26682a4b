import type { DataError } from '@reproml/core';
import type { ChunkReader } from './chunk-reader';
import { invalidUtf8Error } from './decode-text';
import type { DelimitedCells, MissingMatcher } from './delimited-columns';
import { DelimitedScanner, RowCells } from './delimited-scanner';

export interface DelimitedWindowsParams {
  reader: ChunkReader;
  delimiter: ',' | '\t';
  file: string;
  missing: MissingMatcher;
  /** Rows a window holds at most (the consumer may lower `rows.capacity` before asking for the next one). */
  capacity: number;
  /** Called with the header's names before the first window. */
  onHeader?: (header: readonly string[]) => void;
}

/**
 * The rows of a CSV/TSV file as successive windows of scanned cells, read a chunk at a time
 * through the one DelimitedScanner: memory is one window and one chunk, whatever the file's
 * size. A window's cells point into the reader's bytes, which the next read moves: consume a
 * window (turn its cells into values) before asking for the next. Only checked UTF-8 is
 * scanned; an invalid byte is reported with its line and column once the rows before it are.
 */
export async function* delimitedWindows(params: DelimitedWindowsParams): AsyncGenerator<DelimitedCells> {
  const { reader, file, missing } = params;
  const scanner = new DelimitedScanner({ delimiter: params.delimiter, file });
  let rows: RowCells | undefined;
  for (;;) {
    reader.start = scanner.scan(reader.bytes, reader.start, reader.valid, reader.eof, rows);
    if (rows === undefined) {
      if (scanner.header !== undefined) {
        params.onHeader?.(scanner.header);
        rows = new RowCells(scanner.header.length, params.capacity, false);
        continue;
      }
    } else if (rows.rowCount > 0) {
      yield { bytes: reader.bytes, rows, header: scanner.header!, missing, file };
      rows.rowCount = 0;
      continue;
    }
    if (reader.eof) return;
    if (reader.invalid !== -1) throw invalidDelimitedUtf8(reader, scanner, params.delimiter, file);
    await reader.fill();
  }
}
/** Invalid UTF-8 at `offset` of the window: named with its line and column, counted from the first unscanned record. */
function invalidDelimitedUtf8(reader: ChunkReader, scanner: DelimitedScanner, delimiter: string, file: string): DataError {
  const offset = reader.invalid;
  const code = delimiter.charCodeAt(0);
  let line = scanner.line;
  let field = 0;
  let inQuotes = false;
  for (let i = reader.start; i < offset; i++) {
    const byte = reader.bytes[i]!;
    if (byte === 0x22) inQuotes = !inQuotes;
    else if (byte === 0x0a) {
      line++;
      if (!inQuotes) field = 0;
    } else if (byte === code && !inQuotes) field++;
  }
  const column = scanner.header?.[field] ?? `column ${field + 1}`;
  return invalidUtf8Error({ file, offset: reader.fileOffsetOf(offset), line, column });
}
