/**
 * Training throughput, one thread on every side: ReproML (ONNX epoch graph in onnxruntime-node)
 * vs PyTorch CPU (autograd + torch.optim, and hand-written gradients with the whole epoch in
 * TorchScript) on the same data, MLP 64→128→10, batch 256, Adam 1e-3. Interleaved rounds.
 * Run: node -r @swc-node/register bench/train/throughput.ts [rows] [epochs] [rounds]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '../../packages/core/src';
import { type TrainingSplit, trainIter, trainingConfigSchema } from '../../packages/onnx/src';
import { ensurePythonModule, runPythonJson } from './ensure-debian-python';

const ROWS = Number(process.argv[2] ?? 50_000);
const EPOCHS = Number(process.argv[3] ?? 4);
const ROUNDS = Number(process.argv[4] ?? 5);
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

/** samples per wall second and per CPU second over epochs 2..E. */
async function reproml(data: TrainingSplit): Promise<Measurement> {
  const iterator = trainIter({
    model: { family: 'mlp', hiddenLayers: [128] },
    training: trainingConfigSchema.parse({ epochs: EPOCHS, batchSize: 256, optimizer: { type: 'adam', learningRate: 0.001 }, earlyStopping: false }),
    task: 'classification',
    featureNames: Array.from({ length: FEATURES }, (_, j) => `f${j}`),
    classes: Array.from({ length: CLASSES }, (_, c) => `c${c}`),
    train: data,
    rng: new SeededRandom(1),
    intraOpNumThreads: 1,
  });
  // Time epochs 2..E (the first includes session warm-up), as on the PyTorch side.
  let firstEpochEnd = 0;
  let lastEpochEnd = 0;
  let cpuAtFirstEpochEnd = process.cpuUsage();
  let cpu = process.cpuUsage();
  let epochs = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    if (next.value.type !== 'epoch') continue;
    epochs++;
    if (epochs === 1) {
      firstEpochEnd = performance.now();
      cpuAtFirstEpochEnd = process.cpuUsage();
    }
    lastEpochEnd = performance.now();
    cpu = process.cpuUsage(cpuAtFirstEpochEnd);
  }
  const wallSeconds = (lastEpochEnd - firstEpochEnd) / 1000;
  // This process's CPU time (every thread of node, not only onnxruntime's) over the timed epochs.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const samples = ROWS * (epochs - 1);
  return { samplesPerSecond: samples / wallSeconds, samplesPerCpuSecond: samples / cpuSeconds, cpuOverWall: cpuSeconds / wallSeconds };
}

interface Measurement {
  samplesPerSecond: number;
  samplesPerCpuSecond: number;
  cpuOverWall: number;
}

interface TorchResult extends Measurement {
  torchThreads: number;
  processThreads: number;
  torch: string;
}

/**
 * One thread for real: OpenBLAS sizes its thread pool when torch loads and ignores
 * torch.set_num_threads, so the limits go into the child's environment before it starts; the
 * script reports torch.get_num_threads() and its process's threads (/proc/self/status), checked here.
 */
const ONE_THREAD = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

function torchRun(file: string, mode: 'autograd' | 'script' | 'check'): TorchResult {
  const args = [file, String(ROWS), String(FEATURES), String(CLASSES), String(EPOCHS), '1', mode];
  const result = runPythonJson<TorchResult>(join(__dirname, 'torch_train.py'), args, ONE_THREAD);
  if (mode !== 'check' && (result.torchThreads !== 1 || result.processThreads !== 1)) {
    throw new Error(`PyTorch ${mode} ran with ${result.torchThreads} torch threads and ${result.processThreads} process threads, not 1`);
  }
  return result;
}

function stats(values: number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, max: sorted[sorted.length - 1]! };
}

const rate = (value: number) => Math.round(value).toLocaleString('en-US').padStart(9);
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

type Side = 'reproml' | 'autograd' | 'script';
const LABELS: Record<Side, string> = {
  reproml: 'ReproML (ONNX epoch graph)',
  autograd: 'PyTorch autograd + optim',
  script: 'PyTorch TorchScript epoch',
};

async function main(): Promise<void> {
  ensurePythonModule('torch', 'python3-torch');
  const data = syntheticData();
  const dir = mkdtempSync(join(tmpdir(), 'reproml-bench-train-'));
  const file = join(dir, 'data.f32');
  const labels = Float32Array.from(data.labels);
  writeFileSync(file, Buffer.concat([Buffer.from(data.features.buffer), Buffer.from(labels.buffer)]));
  console.log(
    `training throughput, one thread each: ${ROWS} rows × ${FEATURES} features, ${CLASSES} classes, MLP ${FEATURES}→128→${CLASSES}, batch 256, Adam, ${EPOCHS} epochs (first one not timed), ${ROUNDS} interleaved rounds; load at start ${load()}`,
  );
  try {
    const check = runPythonJson<{ maxAbsDifference: number; maxChange: number }>(
      join(__dirname, 'torch_train.py'),
      [file, String(ROWS), String(FEATURES), String(CLASSES), '1', '1', 'check'],
      ONE_THREAD,
    );
    if (!(check.maxAbsDifference <= 1e-5 && check.maxChange > 1e-3)) throw new Error(`TorchScript epoch differs from autograd: ${JSON.stringify(check)}`);
    console.log(`TorchScript hand-written gradients vs autograd after one epoch: max parameter difference ${check.maxAbsDifference}`);
    const results: Record<Side, Measurement[]> = { reproml: [], autograd: [], script: [] };
    let version = '';
    let threads = '';
    for (let round = 0; round < ROUNDS; round++) {
      // Interleaved, starting side rotating each round, so a change of load hits every side alike.
      const sides: Side[] = ['reproml', 'autograd', 'script'];
      const order = [...sides.slice(round % 3), ...sides.slice(0, round % 3)];
      for (const side of order) {
        if (side === 'reproml') results.reproml.push(await reproml(data));
        else {
          const torch = torchRun(file, side);
          version = torch.torch;
          threads = `torch.get_num_threads() ${torch.torchThreads}, process threads ${torch.processThreads}`;
          results[side].push(torch);
        }
      }
      console.log(
        `round ${round + 1}: ${sides.map((side) => `${side} ${rate(results[side][round]!.samplesPerSecond)}/s (${rate(results[side][round]!.samplesPerCpuSecond)}/cpu-s)`).join('  ')}  load ${load()}`,
      );
    }
    console.log(`PyTorch ${version}, checked: ${threads}`);
    for (const metric of ['samplesPerSecond', 'samplesPerCpuSecond'] as const) {
      console.log(metric === 'samplesPerSecond' ? 'samples per wall second:' : "samples per CPU second (one core's work, less sensitive to load):");
      for (const side of ['reproml', 'autograd', 'script'] as Side[]) {
        const s = stats(results[side].map((result) => result[metric]));
        console.log(`  ${LABELS[side].padEnd(27)} median ${rate(s.median)} (min ${rate(s.min)}, max ${rate(s.max)})`);
      }
      for (const baseline of ['autograd', 'script'] as Side[]) {
        const ratios = stats(results.reproml.map((result, round) => result[metric] / results[baseline][round]![metric]));
        console.log(`  ratio ReproML / ${LABELS[baseline]}: median ${ratios.median.toFixed(2)}× (min ${ratios.min.toFixed(2)}, max ${ratios.max.toFixed(2)})`);
      }
    }
    console.log(`load at end ${load()}; ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
