import { describe, expect, it } from 'vitest';
import { formatDelta, formatValue, renderTable } from './render-table';

describe('renderTable', () => {
  it('aligns columns, right-aligns numbers and marks highlighted rows with ≠', () => {
    const text = renderTable({
      headers: ['metric', 'a', 'b'],
      rows: [
        ['accuracy', '0.9', '0.95'],
        ['rows', '50', '50'],
      ],
      alignRight: [1, 2],
      highlight: [true, false],
    });
    expect(text).toBe('  metric      a     b\n≠ accuracy  0.9  0.95\n  rows       50    50\n');
  });

  it('colours highlighted rows only when asked', () => {
    expect(renderTable({ headers: ['k'], rows: [['x']], highlight: [true], color: true })).toContain('\u001b[1;33m≠ x\u001b[0m');
  });
});

describe('formatValue / formatDelta', () => {
  it('prints integers whole, other numbers to 4 significant digits, tiny ones in exponent form', () => {
    expect([formatValue(42), formatValue(0.123456), formatValue(2.3e-5), formatValue(null), formatValue('adam')]).toEqual([
      '42',
      '0.1235',
      '2.300e-5',
      '—',
      'adam',
    ]);
    expect([formatDelta(0.06), formatDelta(-102), formatDelta(0), formatDelta(null)]).toEqual(['+0.06', '-102', '0', '—']);
  });
});
