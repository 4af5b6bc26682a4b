#!/usr/bin/env node
// The main job: runs the example pipeline end to end through Nx, then says where the results are.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pipeline = process.argv[2] ?? 'penguins';
const nx = join(root, 'node_modules', '.bin', 'nx');

// The demo is for trying things: with uncommitted edits to the example pipeline its push still
// goes through, recorded as dirty (REPROML_ALLOW_DIRTY=0 npm run demo gives the default refusal).
const result = spawnSync(nx, ['run-many', '-t', 'run', '--projects', `tag:pipeline:${pipeline}`, '--output-style=stream'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, REPROML_ALLOW_DIRTY: process.env.REPROML_ALLOW_DIRTY ?? '1' },
});
if (result.status !== 0) process.exit(result.status ?? 1);

console.log(`\nPipeline '${pipeline}' results:`);
const pipelineDir = join(root, 'pipelines', pipeline);
for (const stage of readdirSync(pipelineDir).sort()) {
  const lineagePath = join(pipelineDir, stage, 'out', 'lineage.json');
  if (!existsSync(lineagePath)) continue;
  const lineage = JSON.parse(readFileSync(lineagePath, 'utf8'));
  const files = lineage.outputs.map((o) => o.path).join(', ');
  console.log(`  ${lineage.stage.name.padEnd(24)} pipelines/${pipeline}/${stage}/out/  (${files}, lineage.json)`);
}

// Evaluate stages leave metrics.json: the numbers the pipeline exists for.
const HEADLINE_METRICS = ['accuracy', 'f1', 'precision', 'recall', 'rocAuc', 'logLoss', 'rmse', 'mae', 'r2'];
for (const stage of readdirSync(pipelineDir).sort()) {
  const metricsPath = join(pipelineDir, stage, 'out', 'metrics.json');
  if (!existsSync(metricsPath)) continue;
  const metrics = JSON.parse(readFileSync(metricsPath, 'utf8'));
  const shown = HEADLINE_METRICS.filter((name) => typeof metrics[name] === 'number')
    .map((name) => `${name} ${Number(metrics[name].toPrecision(4))}`)
    .join(', ');
  console.log(`
Metrics of ${pipeline}-${stage} (pipelines/${pipeline}/${stage}/out/metrics.json): ${shown}`);
  if (Array.isArray(metrics.confusionMatrix)) {
    const classes = (metrics.perClass ?? []).map((row) => row.class);
    console.log('  confusion matrix (rows: true class, columns: predicted):');
    metrics.confusionMatrix.forEach((row, index) =>
      console.log(`    ${String(classes[index] ?? index).padEnd(12)} ${row.map((n) => String(n).padStart(5)).join('')}`),
    );
  }
}

// A drift stage leaves its verdict on the latest batch (onAlert "record" keeps the demo green).
for (const stage of readdirSync(pipelineDir).sort()) {
  const driftPath = join(pipelineDir, stage, 'out', 'drift.json');
  if (!existsSync(driftPath)) continue;
  const drift = JSON.parse(readFileSync(driftPath, 'utf8'));
  console.log(`\nDrift of ${drift.batch.file} (${drift.batch.rows} rows) against the training split: ${drift.summary}`);
  console.log(`  node tools/drift-gate.mjs pipelines/${pipeline}/${stage}/out/drift.json    # exits 1 on an alert`);
}

// A push stage leaves its receipt: say which version the registry (or the Hub) holds now.
for (const stage of readdirSync(pipelineDir).sort()) {
  const receiptPath = join(pipelineDir, stage, 'out', 'push.json');
  if (!existsSync(receiptPath)) continue;
  const receipt = JSON.parse(readFileSync(receiptPath, 'utf8'));
  const where =
    receipt.location.type === 'hub'
      ? `hf://${receipt.location.repo}@${receipt.location.commit.slice(0, 12)}`
      : `the local registry (.reproml/registry/${receipt.location.path})`;
  console.log(`\nPushed model ${receipt.model} v${receipt.version} (model.onnx sha256 ${receipt.artifact.sha256.slice(0, 12)}…) to ${where}.`);
  const git = pushedFrom(receipt);
  if (git?.dirty) {
    console.log(
      `  recorded as DIRTY: pushed from uncommitted files (${git.uncommitted?.files.length ?? '?'}); commit them and rerun for a version its commit rebuilds`,
    );
  }
  console.log(`  npx reproml models show ${receipt.model}    # versions, aliases, metrics`);
  console.log(`  npx reproml models promote ${receipt.model} ${receipt.version} staging --approved-by <you> --reason "<why>"`);
}

// Every stage run and cache restore above was recorded in the run store: build the report.
const report = spawnSync(process.execPath, [join(root, 'packages', 'cli', 'bin', 'reproml.js'), 'report', pipeline, '--json'], { cwd: root, encoding: 'utf8' });
if (report.status === 0) {
  const { reports, store } = JSON.parse(report.stdout);
  console.log(`\nRuns are recorded in ${store}`);
  console.log('  npx reproml runs list    # then: runs show <id>, runs compare <id> <id>, runs metrics diff HEAD~1 HEAD');
  for (const { path, runs, charts } of reports) console.log(`\nReport (${runs} runs, ${charts} charts; opens from disk): ${path}`);
} else {
  console.log(`\nNo report: ${(report.stderr || report.stdout).trim()}`);
}

/** The git record of a version pushed to the local registry (null when it cannot be read). */
function pushedFrom(receipt) {
  if (receipt.location.type !== 'local') return null;
  const registry = process.env.REPROML_REGISTRY_DIR ? join(root, process.env.REPROML_REGISTRY_DIR) : join(root, '.reproml', 'registry');
  const record = join(registry, receipt.location.path, '..', 'version.json');
  return existsSync(record) ? JSON.parse(readFileSync(record, 'utf8')).source.git : null;
}
