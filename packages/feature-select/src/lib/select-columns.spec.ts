import { profileTable } from '@reproml/data';
import { describe, expect, it } from 'vitest';
import { selectColumns } from './select-columns';

const table = profileTable({
  rowCount: 4,
  columns: [
    { name: 'id', kind: 'number', values: new Float64Array([1, 2, 3, 4]) },
    { name: 'mass', kind: 'number', values: new Float64Array([3.1, Number.NaN, 4.2, 3.9]) },
    { name: 'note', kind: 'string', values: [null, null, 'x', null] },
    { name: 'site', kind: 'string', values: ['a', 'a', 'a', 'a'] },
    { name: 'label', kind: 'string', values: ['p', 'q', 'p', 'q'] },
  ],
});

describe('selectColumns', () => {
  it('drops listed, mostly-missing and constant columns, in that order of reasons, and keeps the rest in file order', () => {
    const config = { maxMissing: 0.3, dropConstant: true, keep: [], drop: ['id'] };
    expect(selectColumns(table.columns, config)).toEqual({
      kept: ['mass', 'label'],
      dropped: [
        { column: 'id', reason: 'listed', nullFraction: 0 },
        { column: 'note', reason: 'missing', nullFraction: 0.75 },
        { column: 'site', reason: 'constant', nullFraction: 0 },
      ],
    });
  });

  it('keeps a listed keep column whatever its figures, and constant columns when told to', () => {
    const config = { maxMissing: 0.3, dropConstant: false, keep: ['note'], drop: [] };
    expect(selectColumns(table.columns, config).kept).toEqual(['id', 'mass', 'note', 'site', 'label']);
  });
});
