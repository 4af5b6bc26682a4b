export interface RenderTableParams {
  headers: string[];
  rows: string[][];
  /** Columns to right-align (numbers). */
  alignRight?: readonly number[];
  /** Rows to highlight (differences): bold yellow with colour, and a `≠` marker either way. */
  highlight?: readonly boolean[];
  color?: boolean;
}

const YELLOW_BOLD = '\u001b[1;33m';
const DIM = '\u001b[2m';
const RESET = '\u001b[0m';

/** A plain-text table; column widths fit the content, so it stays readable in a terminal. */
export function renderTable(params: RenderTableParams): string {
  const { headers, rows, alignRight = [], highlight, color = false } = params;
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const marker = highlight ? 2 : 0;
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (alignRight.includes(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  const head = `${' '.repeat(marker)}${line(headers)}`;
  const out = [color ? `${DIM}${head}${RESET}` : head];
  rows.forEach((row, index) => {
    const differs = highlight?.[index] ?? false;
    const text = `${highlight ? (differs ? '≠ ' : '  ') : ''}${line(row)}`;
    out.push(color && differs ? `${YELLOW_BOLD}${text}${RESET}` : text);
  });
  return `${out.join('\n')}\n`;
}

/** Metrics and params in tables: integers as they are, other numbers to 4 significant digits. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    if (value !== 0 && Math.abs(value) < 1e-4) return value.toExponential(3);
    return String(Number(value.toPrecision(4)));
  }
  return String(value);
}

/** `+0.0600` / `-0.0100` / `0`: a delta with its sign. */
export function formatDelta(value: number | null): string {
  if (value === null) return '—';
  if (value === 0) return '0';
  return `${value > 0 ? '+' : ''}${formatValue(value)}`;
}

/** Colour only on a terminal that accepts it (NO_COLOR, FORCE_COLOR=0 turn it off). */
export function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.FORCE_COLOR !== '0';
}
