/**
 * Accuracy: ReproML logistic regression and MLP vs scikit-learn's LogisticRegression and
 * MLPClassifier (defaults) on the same splits of penguins (the pipeline's preprocess
 * outputs) and iris (scikit-learn's bundled copy; seeded stratified 70/30 split, standardized
 * on the training part). ReproML uses the same objective: L2 λ = 1/(C·n) for the logistic
 * model (C = 1), λ = α/batch for the MLP (α = 1e-4), hidden layer 100, Adam 1e-3, batch 200.
 * Run: node -r @swc-node/register bench/train/accuracy.ts   (after `npm run demo`)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '../../packages/core/src';
import { type ModelConfig, type TrainingSplit, train, trainingConfigSchema } from '../../packages/onnx/src';
import { ensurePythonModule, runPythonJson } from './ensure-debian-python';

interface Dataset {
  name: string;
  classes: string[];
  featureCount: number;
  trainCsv: string;
  testCsv: string;
}

function parseCsv(path: string): TrainingSplit & { width: number } {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n').slice(1);
  const rows = lines.map((line) => line.split(',').map(Number));
  const width = rows[0]!.length - 1;
  return {
    rows: rows.length,
    width,
    features: Float32Array.from(rows.flatMap((row) => row.slice(0, width))),
    labels: Float64Array.from(rows.map((row) => row[width]!)),
  };
}

function writeCsv(path: string, rows: number[][], width: number): void {
  writeFileSync(path, `${[[...Array.from({ length: width }, (_, j) => `f${j}`), 'label'].join(','), ...rows.map((row) => row.join(','))].join('\n')}\n`);
}

type Iris = { features: number[][]; labels: number[]; classes: string[] };

function irisDataset(dir: string, iris: Iris, seed: number): Dataset {
  const rng = new SeededRandom(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (let c = 0; c < iris.classes.length; c++) {
    const members = iris.labels.flatMap((label, row) => (label === c ? [row] : []));
    const order = rng.permutation(members.length);
    order.forEach((position, index) => (index < Math.round(members.length * 0.7) ? train : test).push(members[position]!));
  }
  const width = iris.features[0]!.length;
  const mean = Array.from({ length: width }, (_, j) => train.reduce((sum, row) => sum + iris.features[row]![j]!, 0) / train.length);
  const std = Array.from({ length: width }, (_, j) => Math.sqrt(train.reduce((sum, row) => sum + (iris.features[row]![j]! - mean[j]!) ** 2, 0) / train.length));
  const rowsOf = (rows: number[]) => rows.map((row) => [...iris.features[row]!.map((value, j) => (value - mean[j]!) / std[j]!), iris.labels[row]!]);
  writeCsv(join(dir, `iris-${seed}-train.csv`), rowsOf(train), width);
  writeCsv(join(dir, `iris-${seed}-test.csv`), rowsOf(test), width);
  return {
    name: `iris/${seed}`,
    classes: iris.classes,
    featureCount: width,
    trainCsv: join(dir, `iris-${seed}-train.csv`),
    testCsv: join(dir, `iris-${seed}-test.csv`),
  };
}

function penguinsDataset(): Dataset | undefined {
  const dir = join(__dirname, '..', '..', 'pipelines', 'penguins', 'preprocess', 'out');
  if (!existsSync(join(dir, 'features.json'))) return undefined;
  const manifest = JSON.parse(readFileSync(join(dir, 'features.json'), 'utf8')) as { classes: string[]; featureNames: string[] };
  return {
    name: 'penguins',
    classes: manifest.classes,
    featureCount: manifest.featureNames.length,
    trainCsv: join(dir, 'train.features.csv'),
    testCsv: join(dir, 'test.features.csv'),
  };
}

async function reproml(dataset: Dataset, family: 'logistic' | 'mlp'): Promise<number> {
  const trainSplit = parseCsv(dataset.trainCsv);
  const test = parseCsv(dataset.testCsv);
  const model: ModelConfig = family === 'mlp' ? { family: 'mlp', hiddenLayers: [100] } : { family: 'logistic' };
  // scikit-learn's MLP adds α/(2·batch)·‖W‖² to each batch's mean loss; its logistic loss is C·Σloss + ½‖w‖².
  const batchSize = family === 'mlp' ? Math.min(200, trainSplit.rows) : trainSplit.rows;
  const l2 = family === 'mlp' ? 1e-4 / batchSize : 1 / trainSplit.rows;
  const result = await train({
    model,
    training: trainingConfigSchema.parse({
      epochs: family === 'mlp' ? 200 : 1000,
      batchSize,
      l2,
      optimizer: { type: 'adam', learningRate: family === 'mlp' ? 0.001 : 0.05 },
      earlyStopping: false,
    }),
    task: 'classification',
    featureNames: Array.from({ length: dataset.featureCount }, (_, j) => `f${j}`),
    classes: dataset.classes,
    train: trainSplit,
    rng: new SeededRandom(0),
    intraOpNumThreads: 1,
  });
  return accuracy(
    result.parameters.map((tensor) => tensor.values),
    test,
    dataset.classes.length,
    family === 'mlp',
  );
}

/** Forward pass in plain JS (float64) on the test features: argmax of the logits. */
function accuracy(parameters: ArrayLike<number>[], test: TrainingSplit & { width: number }, classes: number, hidden: boolean): number {
  let correct = 0;
  for (let row = 0; row < test.rows; row++) {
    let input = Array.from(test.features.subarray(row * test.width, (row + 1) * test.width));
    for (let layer = 0; layer < parameters.length / 2; layer++) {
      const weight = parameters[2 * layer]!;
      const bias = parameters[2 * layer + 1]!;
      const out = bias.length;
      const next = Array.from({ length: out }, (_, j) => input.reduce((sum, value, i) => sum + value * weight[i * out + j]!, bias[j]!));
      input = hidden && layer < parameters.length / 2 - 1 ? next.map((value) => Math.max(0, value)) : next;
    }
    const predicted = input.indexOf(Math.max(...input));
    if (predicted === test.labels[row]) correct++;
  }
  void classes;
  return correct / test.rows;
}

async function main(): Promise<void> {
  ensurePythonModule('sklearn', 'python3-sklearn');
  const dir = mkdtempSync(join(tmpdir(), 'reproml-bench-accuracy-'));
  try {
    const iris = runPythonJson<Iris>(join(__dirname, 'iris_data.py'), []);
    const penguins = penguinsDataset();
    if (!penguins) console.log('penguins skipped: run `npm run demo` first (it writes the preprocess outputs)');
    // Iris has 45 test rows (one row = 2.2 pp), so it is measured over 5 seeded splits and averaged.
    const groups: [string, Dataset[]][] = [
      ...(penguins ? [['penguins', [penguins]] as [string, Dataset[]]] : []),
      ['iris (5 splits)', [1, 2, 3, 4, 5].map((seed) => irisDataset(dir, iris, seed))],
    ];
    console.log('test accuracy (same splits): ReproML vs scikit-learn');
    for (const [name, datasets] of groups) {
      const totals = { logistic: { ours: 0, theirs: 0 }, mlp: { ours: 0, theirs: 0 } };
      for (const dataset of datasets) {
        const sklearn = runPythonJson<{ logistic: number; mlp: number }>(join(__dirname, 'sklearn_accuracy.py'), [dataset.trainCsv, dataset.testCsv]);
        for (const family of ['logistic', 'mlp'] as const) {
          totals[family].ours += (await reproml(dataset, family)) / datasets.length;
          totals[family].theirs += sklearn[family] / datasets.length;
        }
      }
      for (const family of ['logistic', 'mlp'] as const) {
        const { ours, theirs } = totals[family];
        const model = family === 'logistic' ? 'LogisticRegression' : 'MLPClassifier';
        console.log(
          `${name.padEnd(16)} ${model.padEnd(18)} ReproML ${(ours * 100).toFixed(2).padStart(6)}%   scikit-learn ${(theirs * 100).toFixed(2).padStart(6)}%   difference ${((ours - theirs) * 100).toFixed(2)} pp`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
