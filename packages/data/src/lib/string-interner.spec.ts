import { describe, expect, it } from 'vitest';
import { StringInterner } from './string-interner';

describe('StringInterner', () => {
  it('decodes every cell exactly, sharing one string per distinct short value', () => {
    const interner = new StringInterner();
    const bytes = Buffer.from('Biscoe,Dream,Biscoe,Zürich,Dream,Biscoe');
    const cells: string[] = [];
    for (let start = 0; start <= bytes.length; ) {
      let end = bytes.indexOf(44, start);
      if (end === -1) end = bytes.length;
      cells.push(interner.decode(bytes, start, end));
      start = end + 1;
    }
    expect(cells).toEqual(['Biscoe', 'Dream', 'Biscoe', 'Zürich', 'Dream', 'Biscoe']);
    const again = interner.decode(Buffer.from('xBiscoe'), 1, 7);
    expect(again).toBe('Biscoe');
    expect(interner.decode(Buffer.from(''), 0, 0)).toBe('');
  });

  it('stays exact past its capacity (an id column) and for long cells', () => {
    const interner = new StringInterner();
    for (let i = 0; i < 20_000; i++) {
      const text = `id-${i}`;
      expect(interner.decode(Buffer.from(text), 0, text.length)).toBe(text);
    }
    for (let i = 0; i < 100; i++) expect(interner.decode(Buffer.from(`id-${i}`), 0, `id-${i}`.length)).toBe(`id-${i}`);
    const long = 'y'.repeat(500);
    expect(interner.decode(Buffer.from(long), 0, 500)).toBe(long);
  });
});
