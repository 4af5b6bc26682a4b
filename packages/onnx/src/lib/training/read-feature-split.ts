import { DataError, type Table } from '@reproml/core';
import { ChunkReader, type DelimitedCells, delimitedWindows, MissingMatcher, readNumberCells } from '@reproml/data';
import type { FeaturesManifest } from '../contracts/features-manifest';
import type { FeatureGroup, GroupedSplit, TrainingSplit } from './training-data';

export const LABEL_COLUMN = 'label';

/** Rows scanned per window while a feature file is read. */
const WINDOW_ROWS = 1 << 14;
const FEATURE_MISSING_VALUES = ['', 'NaN', 'nan', 'NA'];

/**
 * Reads `<split>.features.csv` straight into the trainer's row-major float32 matrix (and the
 * float64 labels), a window of rows at a time through the data package's one CSV scanner: the
 * data is held once, as float32, never as a table of float64 columns first. The header must be
 * exactly the manifest's feature names followed by `label`; every cell a number or missing.
 */
export async function readFeatureSplit(params: { path: string; file: string; manifest: FeaturesManifest }): Promise<TrainingSplit> {
  const { features, labels, rows } = await scanFeatureFile({ ...params, keepFeatures: true });
  return { features, labels, rows };
}

/**
 * Reads `<split>.features.csv` into feature groups (what the network trainer holds): runs of
 * consecutive columns whose every value is 0 or 1 (one-hot features) as bytes, the others as
 * float32, each run row-major. The file is read a column at a time (a column stays bytes until
 * its first other value, then the bytes so far become float32, exactly), and the columns are
 * regrouped at the end, each dropped once copied. The values are those `readFeatureSplit` holds;
 * same header and cell checks.
 */
export async function readFeatureGroups(params: { path: string; file: string; manifest: FeaturesManifest }): Promise<GroupedSplit> {
  const { manifest } = params;
  const width = manifest.featureNames.length;
  let columns: (Float32Array | Uint8Array)[] = Array.from({ length: width }, () => new Uint8Array(0));
  let labels = new Float64Array(0);
  let rows = 0;
  const window = new Float64Array(WINDOW_ROWS);
  const reserve = (capacity: number) => {
    columns = columns.map((column) => grown(column, capacity));
    labels = grown(labels, capacity);
  };
  for await (const cells of featureFileWindows(params, reserve)) {
    const count = cells.rows.rowCount;
    for (let index = 0; index < width; index++) {
      readNumberCells(cells, index, window, 0);
      let column = columns[index]!;
      if (column instanceof Uint8Array && !allBinary(window, count)) {
        const floats = new Float32Array(column.length);
        floats.set(column.subarray(0, rows));
        columns[index] = column = floats;
      }
      for (let row = 0; row < count; row++) column[rows + row] = window[row]!;
    }
    readNumberCells(cells, width, labels, rows);
    rows += count;
  }
  return { groups: groupColumns(columns, rows), labels: labels.subarray(0, rows), rows };
}

/**
 * Consecutive columns of one type → one row-major group each. A column's array is dropped
 * (its slot emptied) once copied, so at most one group's copy is held beside the columns left.
 */
function groupColumns(columns: (Float32Array | Uint8Array | undefined)[], rows: number): FeatureGroup[] {
  const groups: FeatureGroup[] = [];
  for (let first = 0; first < columns.length; ) {
    const bytes = columns[first] instanceof Uint8Array;
    let end = first + 1;
    while (end < columns.length && columns[end] instanceof Uint8Array === bytes) end++;
    const width = end - first;
    const values = bytes ? new Uint8Array(rows * width) : new Float32Array(rows * width);
    for (let c = first; c < end; c++) {
      const column = columns[c]!;
      for (let row = 0, at = c - first; row < rows; row++, at += width) values[at] = column[row]!;
      columns[c] = undefined;
    }
    groups.push(bytes ? { type: 'uint8', width, values: values as Uint8Array } : { type: 'float', width, values: values as Float32Array });
    first = end;
  }
  return groups;
}

/** Whether the first `count` values are all 0 or 1 (not -0, which a byte would turn into 0). */
function allBinary(values: Float64Array, count: number): boolean {
  for (let row = 0; row < count; row++) {
    const value = values[row]!;
    if (value !== 1 && !(value === 0 && 1 / value > 0)) return false;
  }
  return true;
}

/**
 * The label column of `<split>.features.csv` (what evaluate compares predictions with): every
 * cell is checked as `readFeatureSplit` checks it, but the features are not kept (memory: the
 * labels and one window).
 */
export async function readFeatureLabels(params: { path: string; file: string; manifest: FeaturesManifest }): Promise<Float64Array> {
  return (await scanFeatureFile({ ...params, keepFeatures: false })).labels;
}

async function scanFeatureFile(params: { path: string; file: string; manifest: FeaturesManifest; keepFeatures: boolean }): Promise<TrainingSplit> {
  const { manifest, keepFeatures } = params;
  const width = manifest.featureNames.length;
  let features = new Float32Array(0);
  let labels = new Float64Array(0);
  let rows = 0;
  const column = new Float64Array(WINDOW_ROWS);
  const reserve = (capacity: number) => {
    if (keepFeatures) features = grown(features, capacity * width);
    labels = grown(labels, capacity);
  };
  for await (const cells of featureFileWindows(params, reserve)) {
    const count = cells.rows.rowCount;
    for (let index = 0; index < width; index++) {
      readNumberCells(cells, index, column, 0);
      if (keepFeatures) for (let row = 0, at = rows * width + index; row < count; row++, at += width) features[at] = column[row]!;
    }
    readNumberCells(cells, width, labels, rows);
    rows += count;
  }
  return { features: features.subarray(0, keepFeatures ? rows * width : 0), labels: labels.subarray(0, rows), rows };
}

/**
 * The feature file's rows, a window of scanned cells at a time, its header checked against the
 * manifest first. `reserve(capacity)` is called before a window would hold more rows than were
 * reserved, so the caller's arrays grow once for the whole file when the estimate holds.
 */
async function* featureFileWindows(
  params: { path: string; file: string; manifest: FeaturesManifest },
  reserve: (capacity: number) => void,
): AsyncGenerator<DelimitedCells> {
  const { file, manifest } = params;
  const reader = await ChunkReader.open({ path: params.path, file });
  let header: readonly string[] = [];
  let rows = 0;
  let reserved = 0;
  try {
    const missing = new MissingMatcher(FEATURE_MISSING_VALUES);
    for await (const cells of delimitedWindows({ reader, delimiter: ',', file, missing, capacity: WINDOW_ROWS, onHeader: (names) => (header = names) })) {
      if (rows === 0) checkFeatureHeader({ actual: header, manifest, file });
      const count = cells.rows.rowCount;
      if (rows + count > reserved) {
        reserved = rowCapacity(reader, rows + count, reserved);
        reserve(reserved);
      }
      yield cells;
      rows += count;
    }
  } finally {
    await reader.close();
  }
}

/**
 * Rows to allocate for once `needed` rows are read: at first an estimate of the whole file from
 * the bytes per row so far (one allocation for the whole file), then 1.25× whenever it falls short.
 */
function rowCapacity(reader: ChunkReader, needed: number, allocated: number): number {
  if (allocated > 0) return Math.max(needed, Math.ceil(allocated * 1.25));
  const consumed = reader.fileOffsetOf(reader.start);
  return Math.max(needed, Math.ceil(((needed * reader.size) / Math.max(consumed, 1)) * 1.02) + WINDOW_ROWS);
}

function grown<T extends Float32Array | Float64Array | Uint8Array>(array: T, length: number): T {
  const bigger = new (array.constructor as new (length: number) => T)(length);
  bigger.set(array);
  return bigger;
}

export function tableToSplit(params: { table: Table; manifest: FeaturesManifest; file: string }): TrainingSplit {
  const { table, manifest, file } = params;
  if (table.rowCount > 0) checkFeatureHeader({ actual: table.columns.map((column) => column.name), manifest, file });
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

/** The feature file's columns must be the manifest's feature names, in order, then `label`. */
function checkFeatureHeader(params: { actual: readonly string[]; manifest: FeaturesManifest; file: string }): void {
  const { actual, manifest, file } = params;
  const expected = [...manifest.featureNames, LABEL_COLUMN];
  if (actual.length !== expected.length || actual.some((name, index) => name !== expected[index])) {
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
}
