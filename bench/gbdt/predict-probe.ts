/**
 * Where predict time goes, one factor at a time (bench/gbdt's data, parameters and 20% test
 * split; one thread everywhere; rows per CPU second, which a shared machine disturbs less than
 * wall time). Two tree sets: ReproML's, and XGBoost's own model turned into a GbdtModel and
 * exported by the same exporter. onnxruntime runs graph variants of both; XGBoost's
 * inplace_predict runs both too (ReproML's trees loaded into an XGBoost booster).
 * Run: node -r @swc-node/register bench/gbdt/predict-probe.ts [rows=100000] [task=binary] [rounds=3]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '../../packages/core/src';
import { buildTreeEnsembleGraph, fitGbdt, type GbdtModel, predictMargins, type Tree } from '../../packages/gbdt/src';
import { syntheticSplit } from '../../packages/gbdt/src/testing/synthetic';
import * as ort from '../../packages/onnx/node_modules/onnxruntime-node';
import { attr, buildModel, GraphBuilder, serializeModel, type TrainingSplit } from '../../packages/onnx/src';
import { ensurePythonModule, runPythonJson } from '../train/ensure-debian-python';
import { CONFIG, FEATURES } from './bench-config';

const ROWS = Number(process.argv[2] ?? 100_000);
const TASK = (process.argv[3] ?? 'binary') as 'binary' | 'regression';
const ROUNDS = Number(process.argv[4] ?? 3);
const REPEATS = 7;
const PAIRS = 41;

type Rows = 'test' | 'sorted' | 'repeated';

interface Variant {
  label: string;
  /** serving: buildTreeEnsembleGraph (float32 rows in); ensemble: the TreeEnsembleRegressor alone, fed its input type. */
  graph: 'serving' | 'ensemble';
  /** serving graph: the export as it is (busier child on the false branch) or every split as trained (left = true). */
  layout?: 'busier-false' | 'as-trained';
  input?: 'float32' | 'float64';
  tracks?: boolean;
  rows: Rows;
}

const VARIANTS: Variant[] = [
  { label: 'serving graph, every split as trained (the export before)', graph: 'serving', layout: 'as-trained', rows: 'test' },
  { label: 'serving graph, busier child on the false branch (the export now)', graph: 'serving', layout: 'busier-false', rows: 'test' },
  { label: 'TreeEnsembleRegressor alone, double input, missing tracks', graph: 'ensemble', input: 'float64', tracks: true, rows: 'test' },
  { label: 'TreeEnsembleRegressor alone, double input, no missing tracks', graph: 'ensemble', input: 'float64', tracks: false, rows: 'test' },
  { label: 'TreeEnsembleRegressor alone, float input and thresholds, tracks', graph: 'ensemble', input: 'float32', tracks: true, rows: 'test' },
  { label: 'serving graph (export now), rows sorted by the most split-on feature', graph: 'serving', layout: 'busier-false', rows: 'sorted' },
  { label: 'serving graph (as trained), the first test row repeated', graph: 'serving', layout: 'as-trained', rows: 'repeated' },
];

/** The TreeEnsembleRegressor of a binary/regression model, every split as trained, thresholds and weights in the input's type. */
function ensembleOnly(model: GbdtModel, input: 'float32' | 'float64', tracks: boolean): Uint8Array {
  const n = { treeIds: [] as number[], nodeIds: [] as number[], featureIds: [] as number[], modes: [] as string[], values: [] as number[] };
  const links = { trueIds: [] as number[], falseIds: [] as number[], missing: [] as number[] };
  const leaves = { treeIds: [] as number[], nodeIds: [] as number[], weights: [] as number[] };
  model.trees.forEach((tree, treeId) => {
    tree.feature.forEach((feature, node) => {
      const leaf = feature < 0;
      n.treeIds.push(treeId);
      n.nodeIds.push(node);
      n.featureIds.push(leaf ? 0 : feature);
      n.modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      n.values.push(leaf ? 0 : tree.threshold[node]!);
      links.trueIds.push(leaf ? 0 : tree.left[node]!);
      links.falseIds.push(leaf ? 0 : tree.right[node]!);
      links.missing.push(!leaf && tree.missingLeft[node] ? 1 : 0);
      if (!leaf) return;
      leaves.treeIds.push(treeId);
      leaves.nodeIds.push(node);
      leaves.weights.push(tree.value[node]!);
    });
  });
  const numbers = (values: number[]) =>
    attr.tensor({ type: input, dims: [values.length], values: input === 'float64' ? Float64Array.from(values) : Float32Array.from(values) });
  const g = new GraphBuilder('probe');
  g.input({ name: 'x', type: input, shape: ['N', FEATURES] });
  const attributes = {
    n_targets: attr.int(1),
    aggregate_function: 'SUM',
    post_transform: 'NONE',
    base_values_as_tensor: numbers(model.baseMargins),
    nodes_treeids: attr.ints(n.treeIds),
    nodes_nodeids: attr.ints(n.nodeIds),
    nodes_featureids: attr.ints(n.featureIds),
    nodes_modes: n.modes,
    nodes_values_as_tensor: numbers(n.values),
    nodes_truenodeids: attr.ints(links.trueIds),
    nodes_falsenodeids: attr.ints(links.falseIds),
    ...(tracks ? { nodes_missing_value_tracks_true: attr.ints(links.missing) } : {}),
    target_treeids: attr.ints(leaves.treeIds),
    target_nodeids: attr.ints(leaves.nodeIds),
    target_ids: attr.ints(leaves.treeIds.map(() => 0)),
    target_weights_as_tensor: numbers(leaves.weights),
  };
  g.mlOp('TreeEnsembleRegressor', ['x'], attributes, { name: 'y', type: 'float32', shape: ['N', 1] });
  g.output({ name: 'y', type: 'float32', shape: ['N', 1] });
  return serializeModel(buildModel({ graph: g.build() }));
}

function variantModel(model: GbdtModel, variant: Variant): Uint8Array {
  if (variant.graph === 'ensemble') return ensembleOnly(model, variant.input!, variant.tracks!);
  // Equal counts everywhere: every split keeps its trained orientation (splitLayout flips only a busier left child).
  const trees = variant.layout === 'as-trained' ? model.trees.map((tree) => ({ ...tree, count: tree.count.map(() => 1) })) : model.trees;
  return serializeModel(buildModel({ graph: buildTreeEnsembleGraph({ ...model, trees }, TASK === 'binary' ? 'classification' : 'regression') }));
}

/** Training rows reaching each node (what growTree records), for trees that did not come from it. */
function withTrainingCounts(model: GbdtModel, train: TrainingSplit): GbdtModel {
  const trees = model.trees.map((tree) => {
    const count = tree.feature.map(() => 0);
    for (let row = 0; row < train.rows; row++) {
      let node = 0;
      count[0]!++;
      while (tree.feature[node]! >= 0) {
        const value = train.features[row * FEATURES + tree.feature[node]!]!;
        node = (Number.isNaN(value) ? tree.missingLeft[node] : value <= tree.threshold[node]!) ? tree.left[node]! : tree.right[node]!;
        count[node]!++;
      }
    }
    return { ...tree, count };
  });
  return { ...model, trees };
}

/** The largest float32 below a float32 c: x < c ⇔ x ≤ below(c) for float32 x. */
function float32Below(value: number): number {
  if (value === 0) return -(2 ** -149);
  const f = Float32Array.of(value);
  new Int32Array(f.buffer)[0]! += value > 0 ? -1 : 1;
  return f[0]!;
}

/** XGBoost's trees (x < c → left, NaN → default_left) as a GbdtModel (x ≤ below(c)). */
function xgboostModel(dir: string, train: TrainingSplit): GbdtModel {
  const dumped = JSON.parse(readFileSync(join(dir, 'trees-xgboost.json'), 'utf8')) as {
    trees: { left: number[]; right: number[]; feature: number[]; lessThan: number[]; defaultLeft: number[] }[];
    baseScore: number;
  };
  const trees: Tree[] = dumped.trees.map((t) => {
    const leaf = (i: number) => t.left[i]! < 0;
    return {
      output: 0,
      feature: t.feature.map((f, i) => (leaf(i) ? -1 : f)),
      bin: t.feature.map(() => 0),
      threshold: t.lessThan.map((c, i) => (leaf(i) ? 0 : float32Below(Math.fround(c)))),
      missingLeft: t.defaultLeft.map((d, i) => !leaf(i) && d === 1),
      left: t.left,
      right: t.right,
      value: t.lessThan.map((c, i) => (leaf(i) ? Math.fround(c) : 0)),
      gain: t.left.map(() => 0),
      count: t.left.map(() => 0),
    };
  });
  const base = TASK === 'binary' ? Math.log(dumped.baseScore / (1 - dumped.baseScore)) : dumped.baseScore;
  const objective = TASK === 'binary' ? 'binary-logloss' : 'squared-error';
  return withTrainingCounts({ objective, outputs: 1, baseMargins: [base], trees, featureCount: FEATURES }, train);
}

/** Size of the trees, and how test rows walk them: mean splits per row and tree, share of split visits on the less taken side, visits per feature. */
function walkStats(model: GbdtModel, test: TrainingSplit) {
  let nodes = 0;
  let splitsPassed = 0;
  let minority = 0;
  let toBusier = 0;
  const byFeature = new Array<number>(FEATURES).fill(0);
  for (const tree of model.trees) {
    nodes += tree.feature.length;
    const left = new Int32Array(tree.feature.length);
    const right = new Int32Array(tree.feature.length);
    for (let row = 0; row < test.rows; row++) {
      let node = 0;
      while (tree.feature[node]! >= 0) {
        const value = test.features[row * FEATURES + tree.feature[node]!]!;
        const goLeft = Number.isNaN(value) ? tree.missingLeft[node]! : value <= tree.threshold[node]!;
        if (goLeft) left[node]!++;
        else right[node]!++;
        byFeature[tree.feature[node]!]!++;
        splitsPassed++;
        node = goLeft ? tree.left[node]! : tree.right[node]!;
      }
    }
    for (let node = 0; node < tree.feature.length; node++) {
      minority += Math.min(left[node]!, right[node]!);
      if (tree.feature[node]! >= 0) toBusier += tree.count[tree.left[node]!]! > tree.count[tree.right[node]!]! ? left[node]! : right[node]!;
    }
  }
  const leaves = model.trees.reduce((sum, tree) => sum + tree.feature.filter((f) => f < 0).length, 0);
  return {
    trees: model.trees.length,
    nodes,
    leaves,
    splitsPerRowAndTree: +(splitsPassed / (test.rows * model.trees.length)).toFixed(3),
    lessTakenSideShare: +(minority / splitsPassed).toFixed(3),
    rightShare: +(1 - byLeft(model, test) / splitsPassed).toFixed(3),
    busierChildShare: +(toBusier / splitsPassed).toFixed(3),
    visitsByFeature: byFeature.map((v) => +(v / splitsPassed).toFixed(3)),
  };
}

/** Split visits of the test rows that go left. */
function byLeft(model: GbdtModel, test: TrainingSplit): number {
  let left = 0;
  for (const tree of model.trees) {
    for (let row = 0; row < test.rows; row++) {
      let node = 0;
      while (tree.feature[node]! >= 0) {
        const value = test.features[row * FEATURES + tree.feature[node]!]!;
        const goLeft = Number.isNaN(value) ? tree.missingLeft[node]! : value <= tree.threshold[node]!;
        if (goLeft) left++;
        node = goLeft ? tree.left[node]! : tree.right[node]!;
      }
    }
  }
  return left;
}

async function onnxRate(bytes: Uint8Array, variant: Variant, rows: TrainingSplit): Promise<number> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const input = variant.graph === 'serving' ? 'float32' : variant.input!;
  const data = input === 'float64' ? Float64Array.from(rows.features) : rows.features;
  const feeds = { [session.inputNames[0]!]: new ort.Tensor(input, data, [rows.rows, FEATURES]) };
  await session.run(feeds);
  const rates: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = process.cpuUsage();
    await session.run(feeds);
    const used = process.cpuUsage(t0);
    rates.push(rows.rows / ((used.user + used.system) / 1e6));
  }
  await session.release();
  return median(rates);
}

/**
 * The export before and now on the same rows, alternating one run of each PAIRS times, so a
 * changing load hits both alike; returns the median over pairs of (now ÷ before) in CPU time.
 */
async function pairedExportRatio(model: GbdtModel, rows: TrainingSplit, nowFirst: boolean): Promise<number> {
  const open = (layout: 'as-trained' | 'busier-false') =>
    ort.InferenceSession.create(variantModel(model, { label: layout, graph: 'serving', layout, rows: 'test' }), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
  // The session created first also runs first in every pair; calling this both ways round shows whether that order matters.
  const first = await open(nowFirst ? 'busier-false' : 'as-trained');
  const second = await open(nowFirst ? 'as-trained' : 'busier-false');
  const feeds = { features: new ort.Tensor('float32', rows.features, [rows.rows, FEATURES]) };
  const cpuSeconds = async (session: ort.InferenceSession) => {
    const t0 = process.cpuUsage();
    await session.run(feeds);
    const used = process.cpuUsage(t0);
    return (used.user + used.system) / 1e6;
  };
  await cpuSeconds(first);
  await cpuSeconds(second);
  const ratios: number[] = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    const firstSeconds = await cpuSeconds(first);
    const secondSeconds = await cpuSeconds(second);
    ratios.push(nowFirst ? secondSeconds / firstSeconds : firstSeconds / secondSeconds);
  }
  await first.release();
  await second.release();
  return median(ratios);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function maxDifference(a: Float64Array, b: Float64Array): { max: number; rowsOver1e4: number } {
  let max = 0;
  let rowsOver1e4 = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    max = Math.max(max, d);
    if (d > 1e-4) rowsOver1e4++;
  }
  return { max, rowsOver1e4 };
}

function splitRows(): { train: TrainingSplit; test: TrainingSplit } {
  const all = syntheticSplit({ rows: ROWS, features: FEATURES, task: TASK, seed: 2026 });
  const testRows = Math.round(ROWS * 0.2);
  const slice = (from: number, rows: number): TrainingSplit => ({
    features: all.features.slice(from * FEATURES, (from + rows) * FEATURES),
    labels: all.labels.slice(from, from + rows),
    rows,
  });
  return { train: slice(0, ROWS - testRows), test: slice(ROWS - testRows, testRows) };
}

/** The test rows reordered by one feature, and the first test row repeated as many times. */
function rowSets(test: TrainingSplit, sortFeature: number): Record<Rows, TrainingSplit> {
  const order = Array.from({ length: test.rows }, (_, row) => row).sort(
    (a, b) => test.features[a * FEATURES + sortFeature]! - test.features[b * FEATURES + sortFeature]!,
  );
  const sorted = new Float32Array(test.features.length);
  order.forEach((from, row) => sorted.set(test.features.subarray(from * FEATURES, (from + 1) * FEATURES), row * FEATURES));
  const repeated = new Float32Array(test.features.length);
  for (let row = 0; row < test.rows; row++) repeated.set(test.features.subarray(0, FEATURES), row * FEATURES);
  return { test, sorted: { ...test, features: sorted }, repeated: { ...test, features: repeated } };
}

interface PythonSide {
  version: string;
  reproMLTreesInXgboost: { max: number; rowsOver1e4: number; maxAroundMedian: number };
  rates: Record<string, number>;
}

async function main(): Promise<void> {
  ensurePythonModule('xgboost', 'python3-xgboost');
  const dir = mkdtempSync(join(tmpdir(), 'reproml-predict-probe-'));
  try {
    const { train, test } = splitRows();
    writeFileSync(join(dir, 'shape.json'), JSON.stringify({ features: FEATURES }));
    for (const [name, split] of [
      ['train', train],
      ['test', test],
    ] as const) {
      writeFileSync(join(dir, `${name}.x`), Buffer.from(split.features.buffer));
      writeFileSync(join(dir, `${name}.y`), Buffer.from(split.labels.buffer));
    }
    const { model } = fitGbdt({
      config: CONFIG,
      task: TASK === 'binary' ? 'classification' : 'regression',
      featureNames: Array.from({ length: FEATURES }, (_, f) => `f${f}`),
      classes: TASK === 'binary' ? ['0', '1'] : undefined,
      train,
      rng: new SeededRandom(1),
    });
    const ours = predictMargins(model, test.features, test.rows);
    writeFileSync(join(dir, 'reproml-margins.f64'), Buffer.from(ours.buffer));
    writeFileSync(join(dir, 'trees-reproml.json'), JSON.stringify({ trees: model.trees, baseMargin: model.baseMargins[0] }));
    const oursStats = walkStats(model, test);
    const mostSplitOn = oursStats.visitsByFeature.indexOf(Math.max(...oursStats.visitsByFeature));
    const rowsets = rowSets(test, mostSplitOn);
    console.log(`${TASK}: ${ROWS} rows, test ${test.rows}; ${ROUNDS} round(s), median of ${REPEATS} per measurement, 1 thread, rows per CPU second`);
    console.log(`ReproML trees: ${JSON.stringify(oursStats)}`);

    const rates = new Map<string, number[]>();
    const add = (label: string, value: number) => rates.set(label, [...(rates.get(label) ?? []), value]);
    let theirs: GbdtModel | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      const py = runPythonJson<PythonSide>(join(__dirname, 'predict_probe.py'), [dir, TASK, String(REPEATS), JSON.stringify(CONFIG)], {
        OMP_NUM_THREADS: '1',
      });
      for (const [label, value] of Object.entries(py.rates)) add(label, value);
      if (!theirs) {
        theirs = xgboostModel(dir, train);
        const xgbMargins = new Float64Array(readFileSync(join(dir, 'xgboost-margins.f64')).buffer.slice(0));
        const back = maxDifference(predictMargins(theirs, test.features, test.rows), xgbMargins);
        console.log(`XGBoost ${py.version} trees: ${JSON.stringify(walkStats(theirs, test))}`);
        console.log(`  as a GbdtModel, margins vs XGBoost's own: max |Δ| ${back.max.toExponential(2)}, rows |Δ| > 1e-4: ${back.rowsOver1e4}`);
        console.log(
          `ReproML trees in an XGBoost booster, margins vs ReproML's: max |Δ| ${py.reproMLTreesInXgboost.max.toExponential(2)}, rows |Δ| > 1e-4: ${py.reproMLTreesInXgboost.rowsOver1e4}, max |Δ − median Δ| ${py.reproMLTreesInXgboost.maxAroundMedian.toExponential(2)}`,
        );
      }
      for (const variant of VARIANTS) {
        const rows = rowsets[variant.rows];
        add(`ReproML trees, onnxruntime: ${variant.label}`, await onnxRate(variantModel(model, variant), variant, rows));
        add(`XGBoost trees, onnxruntime: ${variant.label}`, await onnxRate(variantModel(theirs, variant), variant, rows));
      }
    }
    for (const [name, trees] of [
      ['ReproML', model],
      ['XGBoost', theirs!],
    ] as const) {
      for (const nowFirst of [false, true]) {
        const ratio = await pairedExportRatio(trees, test, nowFirst);
        console.log(`${name} trees, export now ÷ before, ${PAIRS} alternating pairs (CPU time, ${nowFirst ? 'now' : 'before'} first): ${ratio.toFixed(3)}×`);
      }
    }
    const reference = rates.get('XGBoost trees, XGBoost inplace_predict')!;
    console.log(`rows/s per CPU second (median over rounds), and the ratio to XGBoost's own predict in the same round (min / median / max)`);
    for (const [label, values] of rates) {
      const ratios = values.map((v, i) => v / reference[i]!);
      console.log(
        `  ${label.padEnd(98)} ${`${(median(values) / 1000).toFixed(0)}k`.padStart(6)}   ${Math.min(...ratios).toFixed(2)} / ${median(ratios).toFixed(2)} / ${Math.max(...ratios).toFixed(2)}×`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
