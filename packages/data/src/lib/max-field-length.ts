import { DataError } from '@reproml/core';

/**
 * The longest value one cell may hold: 1 MiB of text (1,048,576 UTF-16 code units). Real
 * features are far shorter; a longer cell is almost always a broken file (a quote never
 * closed, a blob pasted into a column), and every copy of it (category lists, profiles, ONNX
 * string tensors) would cost memory on every row. Failing at once beats an out-of-memory later.
 */
export const MAX_FIELD_LENGTH = 1 << 20;

export interface FieldTooLongParams {
  file: string;
  /** Column name (or `column 3` when the header cell itself is the long one). */
  column: string;
  /** Where in the file, e.g. `line 12` or `record 4`. */
  where: string;
  length: number;
}

export function fieldTooLongError(params: FieldTooLongParams): DataError {
  const { file, column, where, length } = params;
  return new DataError(
    `${file}: ${where}, column '${column}' holds a value of ${length.toLocaleString('en-US')} characters, over the limit of ${MAX_FIELD_LENGTH.toLocaleString('en-US')} (1 MiB)`,
    {
      file,
      field: column,
      hint: 'Check the file near that line (an unclosed quote makes the rest of the file one field); keep large blobs out of tables.',
    },
  );
}

/** ±Infinity (or a decimal too large for a float64) where a number column needs a finite number. */
export function infiniteNumberError(params: { file: string; column: string; where: string; text: string }): DataError {
  const { file, column, where, text } = params;
  return new DataError(
    `${file}: column '${column}' holds an infinite number at ${where} (${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)})`,
    {
      file,
      field: column,
      hint: 'Tables hold finite numbers only: fix the value, or write a missing value (empty, NA) if it is unknown.',
    },
  );
}
