import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SeededRandom, stableStringify } from '@reproml/core';
import { attr } from '../lib/graph/attribute';
import { GraphBuilder } from '../lib/graph/graph-builder';
import { buildModel, serializeModel } from '../lib/graph/onnx-model';

/**
 * A preprocess stage's `out/` folder following the data contract, for testing train,
 * evaluate and predict before (and independently of) the real preprocess stage:
 * raw columns x0, x1 (numbers, some missing), tag (string), target `species` (3 classes),
 * or with task "regression" a numeric target `y` (see `regressionTarget`);
 * preprocess.onnx = Imputer + Scaler on the numbers, OneHotEncoder on the tag, Concat.
 */
export const FIXTURE_CLASSES = ['adelie', 'chinstrap', 'gentoo'];
export const FIXTURE_FEATURES = ['x0', 'x1', 'tag_p', 'tag_q'];
const MEANS = [1, -1];
const SCALES = [0.5, 0.5];
/** Seeds of the regression target's noise per split (the rows use seeds 1, 2, 3). */
const NOISE_SEEDS = { train: 101, validation: 102, test: 103 };

export interface FixtureRow {
  x0: number;
  x1: number;
  tag: string;
  species: number;
}

export function fixtureRows(rows: number, seed: number): FixtureRow[] {
  const rng = new SeededRandom(seed);
  const centers = [
    [3, 1],
    [-1, 1],
    [1, -3],
  ];
  return Array.from({ length: rows }, (_, row) => {
    const species = row % 3;
    return {
      x0: row % 17 === 5 ? NaN : centers[species]![0]! + rng.nextGaussian() * 0.8,
      x1: centers[species]![1]! + rng.nextGaussian() * 0.8,
      tag: rng.nextFloat() < 0.5 ? 'p' : 'q',
      species,
    };
  });
}

export function fixturePreprocessOnnx(): Uint8Array {
  const g = new GraphBuilder('preprocess');
  const column = { type: 'float32', shape: ['N', 1] } as const;
  const numbers = ['x0', 'x1'].map((name, index) => {
    g.input({ name, type: 'float32', shape: ['N', 1] });
    const imputed = g.mlOp('Imputer', [name], { imputed_value_floats: attr.floats([MEANS[index]!]), replaced_value_float: attr.float(NaN) }, column);
    return g.mlOp('Scaler', [imputed], { offset: attr.floats([MEANS[index]!]), scale: attr.floats([SCALES[index]!]) }, column);
  });
  g.input({ name: 'tag', type: 'string', shape: ['N', 1] });
  const onehot = g.mlOp('OneHotEncoder', ['tag'], { cats_strings: ['p', 'q'], zeros: attr.int(1) }, { type: 'float32', shape: ['N', 1, 2] });
  const tags = g.op('Reshape', [onehot, g.int64s([-1, 2])]);
  g.opTo('features', 'Concat', [...numbers, tags], { axis: attr.int(1) });
  g.output({ name: 'features', type: 'float32', shape: ['N', 4] });
  return serializeModel(buildModel({ graph: g.build() }));
}

function featureValues(row: FixtureRow): number[] {
  const x0 = Number.isNaN(row.x0) ? MEANS[0]! : row.x0;
  return [
    Math.fround((Math.fround(x0) - MEANS[0]!) * SCALES[0]!),
    Math.fround((Math.fround(row.x1) - MEANS[1]!) * SCALES[1]!),
    row.tag === 'p' ? 1 : 0,
    row.tag === 'q' ? 1 : 0,
  ];
}

/** Target of the regression fixture: linear in the raw inputs (missing x0 imputed), plus seeded noise (sd 0.1). */
export function regressionTarget(row: FixtureRow, noise: number): number {
  const x0 = Number.isNaN(row.x0) ? MEANS[0]! : row.x0;
  return 2 * x0 - row.x1 + (row.tag === 'p' ? 0.5 : -0.5) + 0.1 * noise;
}

export interface WriteFixtureParams {
  dir: string;
  /** Default classification (target `species`); regression writes target `y` = `regressionTarget`. */
  task?: 'classification' | 'regression';
  rows?: { train: number; validation: number; test: number };
  /** Rewrites a split's feature rows before writing (to inject bad values). */
  mutateFeatures?: (split: string, rows: number[][]) => void;
}

export async function writeFeatureFixture(params: WriteFixtureParams): Promise<void> {
  const rows = params.rows ?? { train: 150, validation: 45, test: 45 };
  await mkdir(params.dir, { recursive: true });
  const splits = { train: fixtureRows(rows.train, 1), validation: fixtureRows(rows.validation, 2), test: fixtureRows(rows.test, 3) };
  const regression = params.task === 'regression';
  const target = regression ? 'y' : 'species';
  for (const [split, data] of Object.entries(splits)) {
    // The noise has its own generator, so the rows (and the classification fixture) stay as they were.
    const noise = new SeededRandom(NOISE_SEEDS[split as keyof typeof NOISE_SEEDS]);
    const targets = data.map((row) => (regression ? regressionTarget(row, noise.nextGaussian()) : row.species));
    const features = data.map((row, index) => [...featureValues(row), targets[index]!]);
    params.mutateFeatures?.(split, features);
    await writeFile(
      join(params.dir, `${split}.features.csv`),
      `${[[...FIXTURE_FEATURES, 'label'].join(','), ...features.map((values) => values.join(','))].join('\n')}\n`,
    );
    const raw = data.map((row, index) =>
      [Number.isNaN(row.x0) ? '' : row.x0, row.x1, row.tag, regression ? targets[index] : FIXTURE_CLASSES[row.species]].join(','),
    );
    await writeFile(join(params.dir, `${split}.raw.csv`), `${[`x0,x1,tag,${target}`, ...raw].join('\n')}\n`);
  }
  await writeFile(join(params.dir, 'preprocess.onnx'), fixturePreprocessOnnx());
  await writeFile(
    join(params.dir, 'features.json'),
    stableStringify({
      schemaVersion: 1,
      task: regression ? 'regression' : 'classification',
      target,
      ...(regression ? {} : { classes: FIXTURE_CLASSES }),
      featureNames: FIXTURE_FEATURES,
      rawInputs: [
        { name: 'x0', kind: 'number', onnxName: 'x0' },
        { name: 'x1', kind: 'number', onnxName: 'x1' },
        { name: 'tag', kind: 'string', onnxName: 'tag' },
      ],
      splits: { train: { rows: rows.train }, validation: { rows: rows.validation }, test: { rows: rows.test } },
    }),
  );
}
