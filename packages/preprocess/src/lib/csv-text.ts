/**
 * Fixed text forms for CSV output. Numbers use ECMAScript's shortest round-trip form,
 * which the language specifies exactly (same digits on every platform and Node version)
 * and which reads back to the same float64; -0 is written as 0; NaN as an empty cell.
 */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return '';
  if (value === 0) return '0';
  return String(value);
}

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** A CSV cell (RFC 4180): quoted when it holds a comma, quote, line break or edge whitespace; null is empty. */
export function csvField(value: string | null): string {
  if (value === null) return '';
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvField).join(',')}\n`;
}
