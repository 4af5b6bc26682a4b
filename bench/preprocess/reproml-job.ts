/**
 * The ReproML side of the benchmark, in its own process: the real preprocess stage
 * (runStage + runPreprocess + readTable, as the executor runs it) over the generated CSV.
 * Prints one JSON line: wall time inside the process and peak RSS.
 */
import { mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { runStage } from '../../packages/core/src';
import { readTable } from '../../packages/data/src';
import { preprocessStageConfigSchema, runPreprocess } from '../../packages/preprocess/src';
import { CATEGORICAL_COLUMNS, LABEL_COLUMN, NUMERIC_COLUMNS } from './generate-data';

async function main(): Promise<void> {
  const [csvPath, workDir] = process.argv.slice(2) as [string, string];
  const started = performance.now();
  const datasetDir = join(workDir, 'data-out');
  await rm(workDir, { recursive: true, force: true });
  await mkdir(datasetDir, { recursive: true });
  await symlink(csvPath, join(datasetDir, 'bench.csv'));
  const config = preprocessStageConfigSchema.parse({
    kind: 'preprocess',
    inputs: { dataset: 'data' },
    seed: 1,
    target: { column: LABEL_COLUMN },
    impute: [{ columns: NUMERIC_COLUMNS, strategy: 'mean' }],
    encode: [{ columns: CATEGORICAL_COLUMNS, method: 'onehot' }],
    scale: [{ columns: NUMERIC_COLUMNS, method: 'standard' }],
    split: { train: 0.8, validation: 0, test: 0.2 },
  });
  await runStage({
    stage: { name: 'bench-preprocess', pipeline: 'bench', kind: 'preprocess', file: 'bench/preprocess/stage.json' },
    config: config as unknown as Record<string, unknown>,
    seed: 1,
    workspaceRoot: workDir,
    outputDir: join(workDir, 'out'),
    packages: ['zod'],
    onProgress: () => undefined,
    work: (context) =>
      runPreprocess({
        context,
        config,
        stageDir: workDir,
        datasetDir,
        upstream: 'bench-data',
        readTable: (file) => readTable({ path: file.path, format: file.format }),
      }),
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
