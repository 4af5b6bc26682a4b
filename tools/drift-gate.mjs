#!/usr/bin/env node
// A downstream gate on a drift stage's verdict (for stages with "onAlert": "record"):
// prints the summary and every drifted feature's reasons, exits 1 on an alert, 0 otherwise
// (2 when the report is missing or unreadable). With --warn, a warning fails too.
//
//   node tools/drift-gate.mjs pipelines/penguins/drift/out/drift.json [--warn]
import { readFileSync } from 'node:fs';

const [path, ...flags] = process.argv.slice(2);
if (!path) {
  console.error('usage: node tools/drift-gate.mjs <drift.json> [--warn]');
  process.exit(2);
}
let report;
try {
  report = JSON.parse(readFileSync(path, 'utf8'));
} catch (error) {
  console.error(`cannot read the drift report ${path}: ${error.message}\n  → run the drift stage first (npx nx run <pipeline>-drift:run).`);
  process.exit(2);
}
console.log(`${report.batch.file} (${report.batch.rows} rows) vs ${report.reference.file}: ${report.summary}`);
for (const feature of [...report.features, ...(report.prediction ? [report.prediction] : [])]) {
  if (feature.verdict !== 'ok') console.log(`  ${feature.name}: ${feature.verdict}\n    ${feature.reasons.join('\n    ')}`);
}
const failOn = flags.includes('--warn') ? ['warn', 'alert'] : ['alert'];
process.exit(failOn.includes(report.verdict) ? 1 : 0);
