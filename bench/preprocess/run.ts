/**
 * bench/preprocess: ReproML's preprocess stage against pandas on the same generated CSV,
 * run one after the other in this invocation. Prints wall time and peak RSS of each and
 * their ratios (goal: ≤ 1.5× pandas wall time, ≤ 2× its peak RSS at 1,000,000 rows).
 *
 *   node -r @swc-node/register bench/preprocess/run.ts [--rows 1000000]
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { generateData } from './generate-data';

const WORKSPACE = join(__dirname, '..', '..');
const PYTHON = '/usr/bin/python3';
const DATA_SEED = 2024;

interface JobResult {
  /** Wall time of the whole child process, start-up included, measured here. */
  wallSeconds: number;
  /** Wall time the job measured inside its process (after start-up). */
  jobSeconds: number;
  peakRssMb: number;
}

function ensurePandas(): void {
  if (spawnSync(PYTHON, ['-c', 'import pandas'], { stdio: 'ignore' }).status === 0) return;
  console.log('python3-pandas is missing: installing it with apt-get (Debian package)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', 'python3-pandas'],
  ]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed; install python3-pandas yourself and rerun`);
  }
}

function runJob(command: string, args: string[]): JobResult {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd: WORKSPACE, encoding: 'utf8', maxBuffer: 16 << 20 });
  const wallSeconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  const line = result.stdout.trim().split('\n').pop()!;
  const { seconds, peakRssMb } = JSON.parse(line) as { seconds: number; peakRssMb: number };
  return { wallSeconds, jobSeconds: seconds, peakRssMb };
}

/** Number of columns in a CSV's header line (read from the first 64 KiB only). */
function headerWidth(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(1 << 16);
    const length = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, length).toString('utf8').split('\n')[0]!.split(',').length;
  } finally {
    closeSync(fd);
  }
}

async function main(): Promise<void> {
  const rowsFlag = process.argv.indexOf('--rows');
  const rows = rowsFlag > 0 ? Number(process.argv[rowsFlag + 1]) : 1_000_000;
  const dir = join(WORKSPACE, 'tmp', 'bench-preprocess');
  const csv = join(dir, `data-${rows}-seed${DATA_SEED}.csv`);
  ensurePandas();
  if (!existsSync(csv)) {
    console.log(`generating ${csv} (${rows} rows × 12 columns, seed ${DATA_SEED})…`);
    await generateData({ path: csv, rows, seed: DATA_SEED });
  }
  console.log(`running ReproML (preprocess stage: read → impute → one-hot → standard-scale → seeded 80/20 split → write)…`);
  const reproml = runJob(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'reproml-job.ts'), csv, join(dir, 'reproml')]);
  console.log('running pandas (the same job)…');
  const pandas = runJob(PYTHON, [join(__dirname, 'pandas_job.py'), csv, join(dir, 'pandas')]);

  const width = (tool: string) => headerWidth(join(dir, tool, tool === 'reproml' ? 'out' : '', 'train.features.csv'));
  const fmt = (n: number, digits = 1) => n.toFixed(digits).padStart(8);
  console.log(`\n${rows} rows × 12 columns → ${width('reproml') - 1} features (ReproML) / ${width('pandas') - 1} (pandas)`);
  console.log('                 wall (s)   job (s)   peak RSS (MB)');
  console.log(`ReproML         ${fmt(reproml.wallSeconds)}  ${fmt(reproml.jobSeconds)}  ${fmt(reproml.peakRssMb, 0)}`);
  console.log(`pandas          ${fmt(pandas.wallSeconds)}  ${fmt(pandas.jobSeconds)}  ${fmt(pandas.peakRssMb, 0)}`);
  const timeRatio = reproml.wallSeconds / pandas.wallSeconds;
  const rssRatio = reproml.peakRssMb / pandas.peakRssMb;
  console.log(`ratio ReproML/pandas: wall time ${timeRatio.toFixed(2)}x (goal ≤ 1.5x), peak RSS ${rssRatio.toFixed(2)}x (goal ≤ 2x)`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
