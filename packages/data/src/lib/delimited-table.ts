import type { Column, Table } from '@reproml/core';
import { ChunkReader } from './chunk-reader';
import type { ColumnKind } from './column-kinds';
import { type DelimitedCells, infiniteError, MissingMatcher, readNumberCells, readStringCells, scanNumberCells } from './delimited-columns';
import { delimitedWindows } from './delimited-windows';
import { StringInterner } from './string-interner';

/** Rows scanned per window when a whole table is read. */
const WINDOW_ROWS = 1 << 16;

export interface ReadDelimitedParams {
  /** Opens the file's UTF-8 bytes (the whole file in memory, or chunk by chunk from disk); called once per pass. */
  open: () => Promise<ChunkReader>;
  /** `,` for CSV, `\t` for TSV. */
  delimiter: ',' | '\t';
  /** Workspace-relative path (or URL) of the file, for messages. */
  file: string;
  /** Cell texts that mean "missing". */
  missingValues: readonly string[];
  /** Columns whose kind is forced instead of inferred. */
  columnKinds?: Readonly<Record<string, ColumnKind>>;
}

/**
 * Reads a whole CSV/TSV file into a columnar Table with the one DelimitedScanner, a window of
 * rows at a time: cells become numbers or strings straight from the bytes, appended to each
 * column, so memory is the columns plus one window (a file read from disk is never held
 * whole). A column is numbers while every present cell is one; a column that turns out to be
 * text after numbers were seen is read again as text in a second pass over the file.
 */
export async function readDelimited(params: ReadDelimitedParams): Promise<Table> {
  const missing = new MissingMatcher(params.missingValues);
  let builder: DelimitedTableBuilder | undefined;
  await eachWindow(
    params,
    missing,
    (header) => (builder = new DelimitedTableBuilder(header, params.columnKinds)),
    (cells) => builder!.add(cells),
  );
  const again = builder!.finish(params.file);
  if (again.length > 0) await eachWindow(params, missing, undefined, (cells) => builder!.addText(cells));
  return builder!.build();
}

async function eachWindow(
  params: ReadDelimitedParams,
  missing: MissingMatcher,
  onHeader: ((header: readonly string[]) => void) | undefined,
  onWindow: (cells: DelimitedCells) => void,
): Promise<void> {
  const reader = await params.open();
  try {
    const windows = delimitedWindows({ reader, delimiter: params.delimiter, file: params.file, missing, capacity: WINDOW_ROWS, onHeader });
    for await (const cells of windows) onWindow(cells);
  } finally {
    await reader.close();
  }
}

/** `readDelimited`'s `open` for a file on disk (UTF-8, read a chunk at a time). */
export const openFile = (path: string, file: string) => () => ChunkReader.open({ path, file });
/** `readDelimited`'s `open` for the whole file in memory (checked UTF-8). */
export const openBytes = (bytes: Buffer, file: string) => async () => ChunkReader.fromBytes(bytes, file);

interface ColumnBuilder {
  name: string;
  index: number;
  forced?: ColumnKind;
  kind: ColumnKind;
  /** Read again as text in a second pass (it turned out to be text after numbers were seen). */
  again: boolean;
  /** Whether any present (non-missing) cell was seen. */
  present: boolean;
  hasFinite: boolean;
  infinite?: { line: number; text: string };
  numbers: Float64Array[];
  texts: (string | null)[][];
  interner: StringInterner;
}

/** A Table's columns, filled window by window (see `readDelimited`). */
class DelimitedTableBuilder {
  private rowCount = 0;
  private readonly columns: ColumnBuilder[];

  constructor(header: readonly string[], kinds: Readonly<Record<string, ColumnKind>> | undefined) {
    this.columns = header.map((name, index) => {
      const forced = kinds?.[name];
      return {
        name,
        index,
        forced,
        kind: forced ?? 'number',
        again: false,
        present: false,
        hasFinite: false,
        numbers: [],
        texts: [],
        interner: new StringInterner(),
      };
    });
  }

  add(cells: DelimitedCells): void {
    const rows = cells.rows.rowCount;
    for (const column of this.columns) {
      if (column.again) continue;
      if (column.kind === 'string') {
        column.texts.push(readStringCells(cells, column.index, new Array(rows), 0, column.interner));
        continue;
      }
      const values = new Float64Array(rows);
      if (column.forced === 'number') {
        readNumberCells(cells, column.index, values, 0);
        column.numbers.push(values);
        continue;
      }
      const scan = scanNumberCells(cells, column.index, values, 0);
      if (scan.failedRow === undefined) {
        column.numbers.push(values);
        column.hasFinite ||= scan.hasFinite;
        column.infinite ??= scan.infinite;
        column.present ||= scan.hasFinite || scan.infinite !== undefined;
        continue;
      }
      // Text after all: the rows so far are read again unless they were all missing.
      column.kind = 'string';
      column.numbers = [];
      if (column.present || scan.hasFinite || scan.infinite !== undefined) column.again = true;
      else {
        column.texts = this.rowCount > 0 ? [new Array<string | null>(this.rowCount).fill(null)] : [];
        column.texts.push(readStringCells(cells, column.index, new Array(rows), 0, column.interner));
      }
    }
    this.rowCount += rows;
  }

  /**
   * Ends the first pass: an infinity in a column of numbers is an error (a column of only
   * infinities and missing values is text). Returns the columns to read again as text.
   */
  finish(file: string): ColumnBuilder[] {
    for (const column of this.columns) {
      if (column.kind !== 'number' || column.infinite === undefined) continue;
      if (column.forced === 'number' || column.hasFinite) throw infiniteError(file, column.name, column.infinite);
      column.kind = 'string';
      column.numbers = [];
      column.again = true;
    }
    this.rowCount = 0;
    return this.columns.filter((column) => column.again);
  }

  /** A window of the second pass: the text of the columns read again. */
  addText(cells: DelimitedCells): void {
    for (const column of this.columns) {
      if (column.again) column.texts.push(readStringCells(cells, column.index, new Array(cells.rows.rowCount), 0, column.interner));
    }
  }

  build(): Table {
    let rowCount = 0;
    const columns = this.columns.map((column): Column => {
      if (column.kind === 'number') {
        const values = concatNumbers(column.numbers);
        column.numbers = [];
        rowCount = values.length;
        return { name: column.name, kind: 'number', values };
      }
      const values = column.texts.length === 1 ? column.texts[0]! : column.texts.flat();
      column.texts = [];
      rowCount = values.length;
      return { name: column.name, kind: 'string', values };
    });
    return { columns, rowCount };
  }
}

function concatNumbers(chunks: Float64Array[]): Float64Array {
  if (chunks.length === 1) return chunks[0]!;
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const values = new Float64Array(length);
  let at = 0;
  for (const chunk of chunks) {
    values.set(chunk, at);
    at += chunk.length;
  }
  return values;
}
