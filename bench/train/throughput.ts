/**
 * Training throughput: ReproML (ONNX epoch graph in onnxruntime-node) vs PyTorch CPU on the
 * same data, MLP 64→128→10, batch 256, Adam 1e-3; single-threaded and default threads.
 * Run: node -r @swc-node/register bench/train/throughput.ts [rows] [epochs]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '../../packages/core/src';
import { type TrainingSplit, trainIter, trainingConfigSchema } from '../../packages/onnx/src';
import { ensurePythonModule, runPythonJson } from './ensure-debian-python';

const ROWS = Number(process.argv[2] ?? 50_000);
const EPOCHS = Number(process.argv[3] ?? 4);
const FEATURES = 64;
const CLASSES = 10;

function syntheticData(): TrainingSplit {
  const rng = new SeededRandom(123);
  const centers = Array.from({ length: CLASSES }, () => Array.from({ length: FEATURES }, () => rng.nextGaussian()));
  const features = new Float32Array(ROWS * FEATURES);
  const labels = new Float64Array(ROWS);
  for (let row = 0; row < ROWS; row++) {
    const label = rng.nextInt(CLASSES);
    labels[row] = label;
    for (let j = 0; j < FEATURES; j++) features[row * FEATURES + j] = centers[label]![j]! + rng.nextGaussian() * 2;
  }
  return { features, labels, rows: ROWS };
}

async function reproml(data: TrainingSplit, threads: number): Promise<number> {
  const iterator = trainIter({
    model: { family: 'mlp', hiddenLayers: [128] },
    training: trainingConfigSchema.parse({ epochs: EPOCHS, batchSize: 256, optimizer: { type: 'adam', learningRate: 0.001 }, earlyStopping: false }),
    task: 'classification',
    featureNames: Array.from({ length: FEATURES }, (_, j) => `f${j}`),
    classes: Array.from({ length: CLASSES }, (_, c) => `c${c}`),
    train: data,
    rng: new SeededRandom(1),
    intraOpNumThreads: threads,
  });
  // Time epochs 2..E (the first includes session warm-up), as on the PyTorch side.
  let firstEpochEnd = 0;
  let lastEpochEnd = 0;
  let epochs = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    if (next.value.type !== 'epoch') continue;
    epochs++;
    if (epochs === 1) firstEpochEnd = performance.now();
    lastEpochEnd = performance.now();
  }
  return (ROWS * (epochs - 1)) / ((lastEpochEnd - firstEpochEnd) / 1000);
}

async function main(): Promise<void> {
  ensurePythonModule('torch', 'python3-torch');
  const data = syntheticData();
  const dir = mkdtempSync(join(tmpdir(), 'reproml-bench-train-'));
  const file = join(dir, 'data.f32');
  const labels = Float32Array.from(data.labels);
  writeFileSync(file, Buffer.concat([Buffer.from(data.features.buffer), Buffer.from(labels.buffer)]));
  console.log(
    `training throughput: ${ROWS} rows × ${FEATURES} features, ${CLASSES} classes, MLP ${FEATURES}→128→${CLASSES}, batch 256, Adam, ${EPOCHS} epochs (first one not timed)`,
  );
  try {
    // "Default" is every core, set explicitly on both sides: Debian's PyTorch (OpenMP) defaults to 1 thread here.
    for (const threads of [1, cpus().length]) {
      const label = threads === 1 ? 'single-threaded' : `${threads} threads`;
      const torch = runPythonJson<{ samplesPerSecond: number; threads: number; torch: string }>(join(__dirname, 'torch_train.py'), [
        file,
        String(ROWS),
        String(FEATURES),
        String(CLASSES),
        String(EPOCHS),
        String(threads),
      ]);
      const ours = await reproml(data, threads);
      console.log(
        `${label.padEnd(16)} ReproML ${Math.round(ours).toLocaleString('en-US').padStart(9)} samples/s   PyTorch ${torch.torch} (${torch.threads} thread${torch.threads > 1 ? 's' : ''}) ${Math.round(torch.samplesPerSecond).toLocaleString('en-US').padStart(9)} samples/s   ratio ${(ours / torch.samplesPerSecond).toFixed(2)}×`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
