#!/usr/bin/env node
// Generates a penguins data batch from pipelines/penguins/raw/penguins.json, reproducibly:
// rows drawn with replacement (seeded), measurements jittered within their measurement
// resolution, optionally shifted (heavier birds, a new island) to rehearse drift and retraining.
//
//   node tools/penguins-batch.mjs --seed 2024 --rows 80 > pipelines/penguins/raw/production-batch.csv
//   node tools/penguins-batch.mjs --seed 7 --rows 120 --mass-scale 1.25 --new-island Anvers:0.2 --labels --format json
//
// Options: --seed (default 2024), --rows (default 80), --mass-scale (default 1), --new-island
// <name>:<share> (default none), --labels (keep Species; production batches have none),
// --format csv|json (default csv).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '2024' },
    rows: { type: 'string', default: '80' },
    'mass-scale': { type: 'string', default: '1' },
    'new-island': { type: 'string' },
    labels: { type: 'boolean', default: false },
    format: { type: 'string', default: 'csv' },
  },
});

/** mulberry32: tiny, seedable, the same numbers on every platform. */
function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = generator(Number(values.seed));
const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const roundTo = (value, step) => Number((Math.round(value / step) * step).toFixed(step < 1 ? 1 : 0));
const [newIsland, newIslandShare] = values['new-island'] ? [values['new-island'].split(':')[0], Number(values['new-island'].split(':')[1] ?? 0.2)] : [null, 0];

const source = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'pipelines', 'penguins', 'raw', 'penguins.json'), 'utf8')).filter(
  (row) => row['Body Mass (g)'] !== null,
);
const rows = [];
for (let index = 0; index < Number(values.rows); index++) {
  const original = source[Math.floor(random() * source.length)];
  const jitter = (value, sd, step) => (value === null ? null : roundTo(value + sd * gaussian(), step));
  const row = {
    ...(values.labels ? { Species: original.Species } : {}),
    Island: newIsland && random() < newIslandShare ? newIsland : original.Island,
    'Beak Length (mm)': jitter(original['Beak Length (mm)'], 0.3, 0.1),
    'Beak Depth (mm)': jitter(original['Beak Depth (mm)'], 0.2, 0.1),
    'Flipper Length (mm)': jitter(original['Flipper Length (mm)'], 1, 1),
    'Body Mass (g)': jitter(original['Body Mass (g)'] * Number(values['mass-scale']), 50, 25),
    Sex: original.Sex,
  };
  rows.push(row);
}

if (values.format === 'json') {
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
} else {
  const header = Object.keys(rows[0]);
  const cell = (value) => (value === null ? '' : String(value));
  process.stdout.write(`${[header.join(','), ...rows.map((row) => header.map((name) => cell(row[name])).join(','))].join('\n')}\n`);
}
