/**
 * bench/scale: the pipeline's stages (pull → preprocess → train → evaluate → predict) over a
 * generated CSV of `--rows` rows × 12 columns (8 numbers with 5 % missing, 3 categories, a
 * 3-class label; bench/preprocess's generator), each stage in its own process. Prints per stage
 * the wall time and the peak RSS (GNU time's maximum resident set size of the stage process),
 * and the peak RSS against the size of the data set as a float32 matrix (rows × 12 × 4 bytes).
 * Goal: every stage ≤ 3× that matrix.
 *
 *   node -r @swc-node/register bench/scale/run.ts [--rows 10000000] [--stages pull,preprocess,…]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { link, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateData } from '../preprocess/generate-data';
import { DATA_FILE, LOCK_FILE, SCALE_STAGES } from './stage-job';

const WORKSPACE = join(__dirname, '..', '..');
const DATA_SEED = 2024;
const COLUMNS = 12;

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : undefined;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

interface StageResult {
  stage: string;
  wallSeconds: number;
  peakRssMb: number;
}

function runStageProcess(stage: string, workDir: string): StageResult {
  const args = ['-f', '%e %M', process.execPath, '-r', '@swc-node/register', join(__dirname, 'stage-job.ts'), stage, workDir];
  const result = spawnSync('/usr/bin/time', args, { cwd: WORKSPACE, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`stage ${stage} failed:\n${result.stdout}${result.stderr}`);
  const [wall, maxRssKb] = result.stderr.trim().split('\n').pop()!.split(' ').map(Number) as [number, number];
  return { stage, wallSeconds: wall, peakRssMb: maxRssKb / 1024 };
}

async function main(): Promise<void> {
  const rows = Number(flag('rows') ?? 10_000_000);
  const stages = (flag('stages') ?? SCALE_STAGES.join(',')).split(',');
  const dir = join(WORKSPACE, 'tmp', 'bench-scale');
  const csv = join(dir, `data-${rows}-seed${DATA_SEED}.csv`);
  if (!existsSync(csv)) {
    console.log(`generating ${csv} (${rows.toLocaleString('en-US')} rows × ${COLUMNS} columns, seed ${DATA_SEED})…`);
    await generateData({ path: csv, rows, seed: DATA_SEED });
  }
  const workDir = join(dir, `work-${rows}`);
  if (stages.includes('pull')) {
    await rm(workDir, { recursive: true, force: true });
    await mkdir(workDir, { recursive: true });
    await link(csv, join(workDir, DATA_FILE)); // a hard link: a file inside the workspace, as a pull source must be
    const lock = {
      lockVersion: 1,
      files: { bench: { source: DATA_FILE, revision: null, sha256: await sha256Of(csv), size: statSync(csv).size, format: 'csv' } },
    };
    await writeFile(join(workDir, LOCK_FILE), JSON.stringify(lock));
  }
  const matrixMb = (rows * COLUMNS * 4) / 2 ** 20;
  console.log(
    `bench/scale: ${rows.toLocaleString('en-US')} rows × ${COLUMNS} columns, CSV ${(statSync(csv).size / 2 ** 20).toFixed(0)} MiB, float32 matrix ${matrixMb.toFixed(0)} MiB`,
  );
  console.log('stage        wall (s)   peak RSS (MiB)   × float32 matrix');
  for (const stage of stages) {
    const result = runStageProcess(stage, workDir);
    console.log(
      `${stage.padEnd(12)} ${result.wallSeconds.toFixed(1).padStart(8)}   ${result.peakRssMb.toFixed(0).padStart(14)}   ${(result.peakRssMb / matrixMb).toFixed(2).padStart(8)}×`,
    );
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
