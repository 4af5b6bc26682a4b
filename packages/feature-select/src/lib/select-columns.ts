import type { ColumnProfile } from '@reproml/data';
import type { FeatureSelectConfig } from './feature-select-config';
import type { Selection } from './selection';

/** Which columns to keep, in the file's order: listed `keep` columns always, listed `drop` columns never. */
export function selectColumns(columns: readonly ColumnProfile[], config: Pick<FeatureSelectConfig, 'maxMissing' | 'dropConstant' | 'keep' | 'drop'>) {
  const kept: string[] = [];
  const dropped: Selection['dropped'] = [];
  for (const column of columns) {
    const nullFraction = column.nullFraction;
    const reason = config.keep.includes(column.name)
      ? undefined
      : config.drop.includes(column.name)
        ? 'listed'
        : nullFraction > config.maxMissing
          ? 'missing'
          : config.dropConstant && distinctValues(column) <= 1
            ? 'constant'
            : undefined;
    if (reason) dropped.push({ column: column.name, reason, nullFraction });
    else kept.push(column.name);
  }
  return { kept, dropped };
}

function distinctValues(column: ColumnProfile): number {
  if (column.kind === 'string') return column.distinct;
  if (column.min === null || column.max === null) return 0;
  return column.min === column.max ? 1 : 2;
}
