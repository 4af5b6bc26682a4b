import { SeededRandom, type Table } from '@reproml/core';
import { binCounts, HISTOGRAM_BINS, populationStabilityIndex, quantileOfSorted, SKETCH_LEVEL_CAPACITY } from '@reproml/data';
import { describe, expect, it } from 'vitest';
import { checkTableDrift } from './check-table-drift';
import { driftStageConfigSchema } from './drift-stage-config';

const ISLANDS = ['Biscoe', 'Dream', 'Torgersen'];
const COLUMNS = ['Island', 'Beak Length (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex'];

/** Penguin-like rows: rounded measurements (ties, as in the real data), three islands, 3% missing sex. */
function penguinLike(params: { rng: SeededRandom; rows: number; massScale?: number; newIsland?: number }): Table {
  const { rng, rows } = params;
  const island: (string | null)[] = [];
  const beak = new Float64Array(rows);
  const flipper = new Float64Array(rows);
  const mass = new Float64Array(rows);
  const sex: (string | null)[] = [];
  for (let row = 0; row < rows; row++) {
    const u = rng.nextFloat();
    island.push(params.newIsland && rng.nextFloat() < params.newIsland ? 'Anvers' : u < 0.49 ? ISLANDS[0]! : u < 0.85 ? ISLANDS[1]! : ISLANDS[2]!);
    beak[row] = Math.round((44 + 5.4 * rng.nextGaussian()) * 10) / 10;
    flipper[row] = Math.round(201 + 14 * rng.nextGaussian());
    mass[row] = Math.round(((4200 + 800 * rng.nextGaussian()) * (params.massScale ?? 1)) / 25) * 25;
    const s = rng.nextFloat();
    sex.push(s < 0.03 ? null : s < 0.515 ? 'FEMALE' : 'MALE');
  }
  return {
    rowCount: rows,
    columns: [
      { name: 'Island', kind: 'string', values: island },
      { name: 'Beak Length (mm)', kind: 'number', values: beak },
      { name: 'Flipper Length (mm)', kind: 'number', values: flipper },
      { name: 'Body Mass (g)', kind: 'number', values: mass },
      { name: 'Sex', kind: 'string', values: sex },
    ],
  };
}

const defaults = driftStageConfigSchema.parse({ kind: 'drift', inputs: { batch: 'batch', features: 'preprocess' } });

describe('checkTableDrift', () => {
  it('bins a reference larger than the profile sketch at estimated deciles: PSI within 0.002 of exact deciles, the same verdicts', () => {
    const rng = new SeededRandom(5);
    const reference = penguinLike({ rng, rows: 4 * SKETCH_LEVEL_CAPACITY });
    const columns = ['Body Mass (g)', 'Beak Length (mm)'];
    for (const [batch, verdict] of [
      [penguinLike({ rng, rows: 2_000 }), 'ok'],
      [penguinLike({ rng, rows: 2_000, massScale: 1.1 }), 'alert'],
    ] as const) {
      const report = checkTableDrift({ reference, batch, columns, config: defaults });
      expect(report.verdict).toBe(verdict);
      for (const name of columns) {
        const values = (table: Table) => table.columns.find((column) => column.name === name)!.values as Float64Array;
        const sorted = values(reference).slice().sort();
        const edges = [...new Set(Array.from({ length: HISTOGRAM_BINS + 1 }, (_, bin) => quantileOfSorted(sorted, bin / HISTOGRAM_BINS)))];
        const exact = populationStabilityIndex({ expected: binCounts(sorted, edges), actual: binCounts(values(batch), edges), epsilon: defaults.psiEpsilon });
        const feature = report.features.find((candidate) => candidate.name === name)!;
        expect(Math.abs(feature.psi - exact), name).toBeLessThan(0.002);
        // The reference's counts in the sketch's bins are exact, so they sum to its rows.
        const distribution = feature.distribution as { reference: number[] };
        expect(distribution.reference.reduce((a, b) => a + b, 0)).toBe(reference.rowCount);
      }
    }
  });

  it('alerts on a scaled body mass and a new island, naming both and nothing else', () => {
    const rng = new SeededRandom(1);
    const reference = penguinLike({ rng, rows: 240 });
    const batch = penguinLike({ rng, rows: 100, massScale: 1.3, newIsland: 0.15 });
    const report = checkTableDrift({ reference, batch, columns: COLUMNS, config: defaults });
    expect(report.verdict).toBe('alert');
    expect(report.alerts).toEqual(['Island', 'Body Mass (g)']);
    const mass = report.features.find((feature) => feature.name === 'Body Mass (g)')!;
    expect(mass.psi).toBeGreaterThan(0.25);
    expect(mass.ks!.pValue).toBeLessThan(1e-6);
    const island = report.features.find((feature) => feature.name === 'Island')!;
    expect(island.unseen!.values.map((entry) => entry.value)).toEqual(['Anvers']);
    expect(island.distribution).toMatchObject({
      kind: 'categories',
      categories: ['Biscoe', 'Dream', 'Torgersen', 'Anvers'],
      unseen: [false, false, false, true],
    });
    expect(report.summary).toMatch(/^drift alert — alert: Island \(PSI .*\); Body Mass \(g\) \(PSI .*KS D/);
    expect(island.reasons.join('\n')).toMatch(/alert: .*% of values never seen in training \("Anvers"/);
  });

  it('holds back a PSI level the test does not find significant, and says so', () => {
    const rng = new SeededRandom(5);
    const reference = penguinLike({ rng, rows: 240 });
    const batch = penguinLike({ rng, rows: 12 });
    const report = checkTableDrift({ reference, batch, columns: COLUMNS, config: defaults });
    const heldBack = report.features.filter((feature) => feature.psi >= 0.1 && !feature.significant);
    expect(heldBack.length).toBeGreaterThan(0);
    for (const feature of heldBack) {
      expect(feature.verdict).not.toBe('alert');
      expect(feature.reasons.join(' ')).toMatch(/within sampling noise/);
    }
    const strict = checkTableDrift({ reference, batch, columns: COLUMNS, config: { ...defaults, alpha: 1 } });
    expect(strict.features.filter((feature) => feature.verdict !== 'ok').length).toBeGreaterThan(0);
  });

  it('applies per-feature overrides and ignores features', () => {
    const rng = new SeededRandom(2);
    const reference = penguinLike({ rng, rows: 240 });
    const batch = penguinLike({ rng, rows: 100, massScale: 1.3 });
    const ignored = checkTableDrift({ reference, batch, columns: COLUMNS, config: { ...defaults, features: { 'Body Mass (g)': { ignore: true } } } });
    expect(ignored.features.map((feature) => feature.name)).not.toContain('Body Mass (g)');
    expect(ignored.verdict).toBe('ok');
    const lenient = checkTableDrift({
      reference,
      batch,
      columns: COLUMNS,
      config: { ...defaults, features: { 'Body Mass (g)': { psi: { warn: 5, alert: 10 }, ignore: false } } },
    });
    expect(lenient.alerts).toEqual([]);
  });

  it('fails with the column and a close match when the batch lacks a feature', () => {
    const rng = new SeededRandom(3);
    const reference = penguinLike({ rng, rows: 50 });
    const batch = penguinLike({ rng, rows: 50 });
    batch.columns[0] = { ...batch.columns[0]!, name: 'island' } as (typeof batch.columns)[number];
    expect(() => checkTableDrift({ reference, batch, columns: COLUMNS, config: defaults, batchFile: 'batch.csv' })).toThrow(
      /batch.csv has no column 'Island' \(did you mean 'island'\?\)/,
    );
  });
});

describe('false alarms and power (seeded simulation)', () => {
  // The documented behaviour: a batch drawn from the training distribution alerts with
  // probability at most alpha (default 0.01) from the PSI checks, plus the rare null-share alert.
  const DRAWS = 400;

  function alertRate(params: { alpha: number; massScale?: number; newIsland?: number; batchRows: number }): number {
    const rng = new SeededRandom(20240601);
    let alerts = 0;
    for (let draw = 0; draw < DRAWS; draw++) {
      const reference = penguinLike({ rng, rows: 240 });
      const batch = penguinLike({ rng, rows: params.batchRows, massScale: params.massScale, newIsland: params.newIsland });
      if (checkTableDrift({ reference, batch, columns: COLUMNS, config: { ...defaults, alpha: params.alpha } }).verdict === 'alert') alerts++;
    }
    return alerts / DRAWS;
  }

  it('alerts on at most ~1% of fresh batches from the training distribution (alpha 0.01)', () => {
    const rates = [20, 100, 400].map((batchRows) => ({ batchRows, rate: alertRate({ alpha: 0.01, batchRows }) }));
    const thresholdsOnly = alertRate({ alpha: 1, batchRows: 20 });
    console.log(
      `false-alarm rate over ${DRAWS} draws: ${rates.map((entry) => `${entry.batchRows} rows ${(entry.rate * 100).toFixed(2)}%`).join(', ')}; PSI thresholds alone (alpha 1), 20 rows: ${(thresholdsOnly * 100).toFixed(2)}%`,
    );
    // Binomial(400, 0.01) exceeds 10 with probability ~0.2%: a rate above 2.5% means the guarantee is broken.
    for (const entry of rates) expect(entry.rate).toBeLessThanOrEqual(0.025);
    // Without the significance check small batches alert far more often: the check is what keeps the rate down.
    expect(thresholdsOnly).toBeGreaterThan(0.1);
  });

  it('detects a 15% heavier body mass and a 10% new island in nearly every 100-row batch', () => {
    const massRate = alertRate({ alpha: 0.01, batchRows: 100, massScale: 1.15 });
    const islandRate = alertRate({ alpha: 0.01, batchRows: 100, newIsland: 0.1 });
    console.log(
      `detection rate over ${DRAWS} draws of 100 rows: body mass ×1.15 ${(massRate * 100).toFixed(2)}%, new island 10% ${(islandRate * 100).toFixed(2)}%`,
    );
    expect(massRate).toBeGreaterThan(0.95);
    // A 10% share is at or above the 5% unseen alert in ~97.6% of 100-row batches (Binomial(100, 0.1) ≥ 5).
    expect(islandRate).toBeGreaterThan(0.95);
  });
});
