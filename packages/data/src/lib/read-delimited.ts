import type { Table } from '@reproml/core';
import type { ColumnKind } from './column-kinds';
import { type DelimitedCells, delimitedColumn, MissingMatcher } from './delimited-columns';
import { DelimitedScanner, RowCells } from './delimited-scanner';

export interface ReadDelimitedParams {
  /** The whole file as UTF-8 (see `utf8TableBytes`). */
  bytes: Buffer;
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
 * Reads a whole CSV/TSV file into a columnar Table with the one DelimitedScanner: the scan
 * records only where each cell starts and ends; cells become numbers or strings column by
 * column afterwards, straight from the bytes, so no per-row objects are created.
 */
export function readDelimited(params: ReadDelimitedParams): Table {
  const { bytes, file } = params;
  const scanner = new DelimitedScanner({ delimiter: params.delimiter, file });
  const afterHeader = scanner.scan(bytes, 0, bytes.length, true);
  const header = scanner.header!;
  const rows = new RowCells(header.length, Math.max(16, Math.ceil(bytes.length / (8 * header.length + 8))), true);
  scanner.scan(bytes, afterHeader, bytes.length, true, rows);
  const cells: DelimitedCells = { bytes, rows, header, missing: new MissingMatcher(params.missingValues), file };
  const columns = header.map((name, index) => delimitedColumn(cells, index, params.columnKinds?.[name]));
  return { columns, rowCount: rows.rowCount };
}
