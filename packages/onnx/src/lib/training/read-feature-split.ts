import { DataError, type Table } from '@reproml/core';
import { readTable } from '@reproml/data';
import type { FeaturesManifest } from '../contracts/features-manifest';
import type { TrainingSplit } from './training-data';

export const LABEL_COLUMN = 'label';

/**
 * Reads `<split>.features.csv` into the trainer's row-major form, checking that its header
 * is exactly the manifest's feature names followed by `label`.
 */
export async function readFeatureSplit(params: { path: string; file: string; manifest: FeaturesManifest }): Promise<TrainingSplit> {
  const { manifest, file } = params;
  const columnKinds = Object.fromEntries([...manifest.featureNames, LABEL_COLUMN].map((name) => [name, 'number' as const]));
  const table = await readTable({ path: params.path, file, format: 'csv', columnKinds, missingValues: ['', 'NaN', 'nan', 'NA'] });
  return tableToSplit({ table, manifest, file });
}

export function tableToSplit(params: { table: Table; manifest: FeaturesManifest; file: string }): TrainingSplit {
  const { table, manifest, file } = params;
  const expected = [...manifest.featureNames, LABEL_COLUMN];
  const actual = table.columns.map((column) => column.name);
  if (table.rowCount > 0 && (actual.length !== expected.length || actual.some((name, index) => name !== expected[index]))) {
    const missing = expected.filter((name) => !actual.includes(name));
    const unexpected = actual.filter((name) => !expected.includes(name));
    const differences = [
      missing.length ? `missing ${missing.map((name) => `'${name}'`).join(', ')}` : '',
      unexpected.length ? `unexpected ${unexpected.map((name) => `'${name}'`).join(', ')}` : '',
      missing.length || unexpected.length ? '' : 'the same columns in another order',
    ].filter(Boolean);
    throw new DataError(
      `${file} has ${actual.length - 1} feature columns (${actual.slice(0, 6).join(', ')}${actual.length > 6 ? ', …' : ''}), but features.json names ${manifest.featureNames.length} (${expected.slice(0, 6).join(', ')}${expected.length > 6 ? ', …' : ''}): ${differences.join('; ')}`,
      {
        file,
        field: [...missing, ...unexpected].join(', ') || undefined,
        hint: 'The feature file and features.json come from different runs: rerun the preprocess stage.',
      },
    );
  }
  const width = manifest.featureNames.length;
  const rows = table.rowCount;
  const features = new Float32Array(rows * width);
  const labels = new Float64Array(rows);
  table.columns.forEach((column, index) => {
    if (column.kind !== 'number') throw new DataError(`${file}: column '${column.name}' is not numeric`, { file, field: column.name });
    if (index === width) labels.set(column.values);
    else for (let row = 0; row < rows; row++) features[row * width + index] = column.values[row]!;
  });
  return { features, labels, rows };
}
