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
    (cells, share) => builder!.add(cells, share),
  );
  const again = builder!.finish(params.file);
  if (again.length > 0) await eachWindow(params, missing, undefined, (cells) => builder!.addText(cells));
  return builder!.build();
}

async function eachWindow(
  params: ReadDelimitedParams,
  missing: MissingMatcher,
  onHeader: ((header: readonly string[]) => void) | undefined,
  onWindow: (cells: DelimitedCells, share: number) => void,
): Promise<void> {
  const reader = await params.open();
  try {
    const windows = delimitedWindows({ reader, delimiter: params.delimiter, file: params.file, missing, capacity: WINDOW_ROWS, onHeader });
    // `share`: the part of the file read so far, to size the columns once from the first window.
    for await (const cells of windows) onWindow(cells, reader.fileOffsetOf(reader.start) / Math.max(reader.size, 1));
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
  /** The column's numbers (rows `0 … rowCount`), sized from the file's bytes per row and grown if that falls short. */
  numbers: Float64Array;
  /** The column's texts, like `numbers`: one array with room for the estimated rows, written in place. */
  strings: (string | null)[];
  interner: StringInterner;
}

/** A Table's columns, filled window by window (see `readDelimited`). */
class DelimitedTableBuilder {
  private rowCount = 0;
  /** Rows of the second pass so far. */
  private textRows = 0;
  /** Rows the number columns have room for. */
  private capacity = 0;
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
        numbers: new Float64Array(0),
        strings: [],
        interner: new StringInterner(),
      };
    });
  }

  /** One window of the first pass; `share` is the part of the file read so far. */
  add(cells: DelimitedCells, share: number): void {
    const rows = cells.rows.rowCount;
    const end = this.rowCount + rows;
    // Number columns are sized once from the bytes per row of the first window (+2 %), grown by a quarter if that falls short.
    let capacity = this.capacity;
    if (capacity === 0) capacity = Math.max(end, Math.ceil((end / Math.max(share, 1e-9)) * 1.02));
    else if (end > capacity) capacity = Math.ceil(capacity * 1.25) + rows;
    for (const column of this.columns) {
      if (column.again) continue;
      if (column.kind === 'string') {
        if (column.strings.length < capacity) column.strings = grownStrings(column.strings, capacity, this.rowCount);
        readStringCells(cells, column.index, column.strings, this.rowCount, column.interner);
        continue;
      }
      if (capacity !== this.capacity) column.numbers = grown(column.numbers, capacity);
      if (column.forced === 'number') {
        readNumberCells(cells, column.index, column.numbers, this.rowCount);
        continue;
      }
      const scan = scanNumberCells(cells, column.index, column.numbers, this.rowCount);
      if (scan.failedRow === undefined) {
        column.hasFinite ||= scan.hasFinite;
        column.infinite ??= scan.infinite;
        column.present ||= scan.hasFinite || scan.infinite !== undefined;
        continue;
      }
      // Text after all: the rows so far are read again unless they were all missing.
      column.kind = 'string';
      column.numbers = new Float64Array(0);
      if (column.present || scan.hasFinite || scan.infinite !== undefined) column.again = true;
      else {
        column.strings = stringArray(capacity).fill(null, 0, this.rowCount);
        readStringCells(cells, column.index, column.strings, this.rowCount, column.interner);
      }
    }
    this.capacity = capacity;
    this.rowCount = end;
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
      column.numbers = new Float64Array(0);
      column.again = true;
    }
    return this.columns.filter((column) => column.again);
  }

  /** A window of the second pass: the text of the columns read again (rows counted from the first by `textRows`). */
  addText(cells: DelimitedCells): void {
    for (const column of this.columns) {
      if (!column.again) continue;
      if (column.strings.length < this.rowCount) column.strings = stringArray(this.rowCount);
      readStringCells(cells, column.index, column.strings, this.textRows, column.interner);
    }
    this.textRows += cells.rows.rowCount;
  }

  build(): Table {
    const rowCount = this.rowCount;
    const columns = this.columns.map((column): Column => {
      if (column.kind === 'number') {
        // The first rowCount values (a view: the estimate's spare room, about 2 %, stays allocated).
        const values = column.numbers.length === rowCount ? column.numbers : column.numbers.subarray(0, rowCount);
        column.numbers = new Float64Array(0);
        return { name: column.name, kind: 'number', values };
      }
      const values = column.strings;
      // Trimmed in place to the rows read (the estimate's spare room, about 2 %).
      if (values.length > rowCount) values.length = rowCount;
      column.strings = [];
      return { name: column.name, kind: 'string', values };
    });
    return { columns, rowCount };
  }
}

/** `strings` with room for `length` rows; its first `rows` values copied. */
function grownStrings(strings: (string | null)[], length: number, rows: number): (string | null)[] {
  const bigger = stringArray(length);
  for (let row = 0; row < rows; row++) bigger[row] = strings[row]!;
  return bigger;
}

/** V8 makes `new Array(n)` a dictionary (several times the memory) above 2^25 elements; a longer one is pushed. */
const LARGEST_NEW_ARRAY = 2 ** 25;

/** An array of `length` slots (holes, or null above LARGEST_NEW_ARRAY), with fast elements. */
function stringArray(length: number): (string | null)[] {
  if (length <= LARGEST_NEW_ARRAY) return new Array<string | null>(length);
  const array: (string | null)[] = [];
  for (let row = 0; row < length; row++) array.push(null);
  return array;
}

function grown(array: Float64Array, length: number): Float64Array {
  const bigger = new Float64Array(length);
  bigger.set(array);
  return bigger;
}
