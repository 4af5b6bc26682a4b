import type { Column } from '@reproml/core';
import { binCounts, type NumberColumnProfile, populationStabilityIndex, profileTable } from '@reproml/data';
import { chiSquareTest } from './chi-square-test';
import type { DriftDistribution, FeatureDrift } from './drift-report';
import type { FeatureThresholds } from './drift-stage-config';
import { type DriftVerdict, levelOf, worstVerdict } from './drift-verdict';
import { kolmogorovSmirnovTest } from './kolmogorov-smirnov';

export interface CompareColumnParams {
  /** The training split's values of the feature. */
  reference: Column;
  /** The batch's values, same name and kind. */
  batch: Column;
  /** Levels for PSI; `unseen` and `nulls` are left out for the predictions. */
  thresholds: Pick<FeatureThresholds, 'psi'> & Partial<FeatureThresholds>;
  /** alpha / tests: the feature's test must be below it for a PSI level to count. */
  significanceLevel: number;
  psiEpsilon: number;
}

/** At most this many unseen values are listed by name in drift.json. */
const UNSEEN_LISTED = 10;

/** Compares one feature of the batch with the training split: PSI, its test, nulls and unseen categories. */
export function compareColumn(params: CompareColumnParams): FeatureDrift {
  const { reference, batch } = params;
  if (reference.kind !== batch.kind) {
    throw new TypeError(`column '${reference.name}' is ${reference.kind} in the training split but ${batch.kind} in the batch`);
  }
  const shift =
    reference.kind === 'number'
      ? compareNumbers(reference.values, (batch as typeof reference).values, params)
      : compareStrings(reference.values, (batch as typeof reference).values, params);
  const nulls = nullShares(reference, batch);
  const reasons = [...shift.reasons];
  const levels: DriftVerdict[] = [shift.level];
  if (params.thresholds.nulls) {
    const level = levelOf(nulls.rise, params.thresholds.nulls);
    levels.push(level);
    if (level !== 'ok')
      reasons.push(`${level}: null share rose from ${percent(nulls.reference)} to ${percent(nulls.batch)} (≥ ${params.thresholds.nulls[level]} rise)`);
  }
  if (shift.unseen && params.thresholds.unseen) {
    const level = levelOf(shift.unseen.share, params.thresholds.unseen);
    levels.push(level);
    if (level !== 'ok') {
      const names = shift.unseen.values.map((entry) => JSON.stringify(entry.value)).join(', ');
      reasons.push(`${level}: ${percent(shift.unseen.share)} of values never seen in training (${names}; ≥ ${params.thresholds.unseen[level]})`);
    }
  }
  return {
    name: reference.name,
    kind: reference.kind,
    verdict: worstVerdict(levels),
    reasons,
    statistic: shift.psi,
    pValue: shift.pValue,
    test: reference.kind === 'number' ? 'kolmogorov-smirnov' : 'chi-square',
    significant: shift.significant,
    psi: shift.psi,
    ...(shift.ks ? { ks: shift.ks } : {}),
    ...(shift.chiSquare ? { chiSquare: shift.chiSquare } : {}),
    rows: { reference: reference.values.length, batch: batch.values.length },
    nulls,
    ...(shift.unseen ? { unseen: shift.unseen } : {}),
    distribution: shift.distribution,
    thresholds: params.thresholds,
  };
}

interface Shift {
  psi: number;
  pValue: number | null;
  significant: boolean;
  level: DriftVerdict;
  reasons: string[];
  ks?: FeatureDrift['ks'];
  chiSquare?: FeatureDrift['chiSquare'];
  unseen?: NonNullable<FeatureDrift['unseen']>;
  distribution: DriftDistribution;
}

function compareNumbers(reference: Float64Array, batch: Float64Array, params: CompareColumnParams): Shift {
  const profile = profileTable({ rowCount: reference.length, columns: [{ name: 'reference', kind: 'number', values: reference }] })
    .columns[0] as NumberColumnProfile;
  // Decile edges from the profile (sketched beyond SKETCH_LEVEL_CAPACITY values), counts exact: the reference is in memory.
  const edges = profile.histogram.edges;
  const referenceCounts = binCounts(reference, edges);
  const batchCounts = binCounts(batch, edges);
  const psi = populationStabilityIndex({ expected: referenceCounts, actual: batchCounts, epsilon: params.psiEpsilon });
  const ks = kolmogorovSmirnovTest({ reference, sample: batch });
  const testable = ks.referenceCount > 0 && ks.sampleCount > 0;
  const test = `KS D ${format(ks.statistic)}, ${formatP(ks.pValue)}`;
  return {
    ...psiLevel({ psi, pValue: testable ? ks.pValue : null, test, params }),
    ks,
    distribution: { kind: 'histogram', edges, reference: referenceCounts, batch: batchCounts },
  };
}

function compareStrings(reference: (string | null)[], batch: (string | null)[], params: CompareColumnParams): Shift {
  const referenceCounts = countValues(reference);
  const batchCounts = countValues(batch);
  // Training categories by frequency, then the batch's unseen ones (also by frequency).
  const known = rankByCount(referenceCounts);
  const unseenValues = rankByCount(new Map([...batchCounts].filter(([value]) => !referenceCounts.has(value))));
  const categories = [...known, ...unseenValues];
  const referenceRow = categories.map((value) => referenceCounts.get(value) ?? 0);
  const batchRow = categories.map((value) => batchCounts.get(value) ?? 0);
  // PSI: one bin per training category plus a single bin for every unseen value.
  const unseenTotal = unseenValues.reduce((total, value) => total + batchCounts.get(value)!, 0);
  const psi = populationStabilityIndex({
    expected: [...referenceRow.slice(0, known.length), 0],
    actual: [...batchRow.slice(0, known.length), unseenTotal],
    epsilon: params.psiEpsilon,
  });
  const chiSquare = chiSquareTest({ expected: referenceRow, actual: batchRow });
  const batchPresent = batchRow.reduce((total, count) => total + count, 0);
  const testable = chiSquare.degreesOfFreedom > 0;
  const test = `chi-square ${format(chiSquare.statistic)} on ${chiSquare.degreesOfFreedom} dof, ${formatP(chiSquare.pValue)}`;
  return {
    ...psiLevel({ psi, pValue: testable ? chiSquare.pValue : null, test, params }),
    chiSquare,
    unseen: {
      share: batchPresent ? unseenTotal / batchPresent : 0,
      values: unseenValues.slice(0, UNSEEN_LISTED).map((value) => ({ value, count: batchCounts.get(value)! })),
    },
    distribution: { kind: 'categories', categories, reference: referenceRow, batch: batchRow, unseen: categories.map((_, index) => index >= known.length) },
  };
}

/** The PSI level, held back to ok when the feature's test does not reject at the significance level. */
function psiLevel(params: {
  psi: number;
  pValue: number | null;
  test: string;
  params: CompareColumnParams;
}): Pick<Shift, 'psi' | 'pValue' | 'significant' | 'level' | 'reasons'> {
  const { psi, pValue, test } = params;
  const { thresholds, significanceLevel } = params.params;
  const significant = pValue !== null && pValue < significanceLevel;
  const reached = levelOf(psi, thresholds.psi);
  if (reached === 'ok') return { psi, pValue, significant, level: 'ok', reasons: [] };
  if (!significant) {
    const why = pValue === null ? 'nothing to test' : `p not below ${format(significanceLevel)}`;
    return {
      psi,
      pValue,
      significant,
      level: 'ok',
      reasons: [`ok: PSI ${format(psi)} ≥ ${thresholds.psi[reached]} but within sampling noise (${test}; ${why})`],
    };
  }
  return { psi, pValue, significant, level: reached, reasons: [`${reached}: PSI ${format(psi)} ≥ ${thresholds.psi[reached]} (${test})`] };
}

function nullShares(reference: Column, batch: Column): FeatureDrift['nulls'] {
  const referenceShare = nullShare(reference);
  const batchShare = nullShare(batch);
  return { reference: referenceShare, batch: batchShare, rise: Math.max(0, batchShare - referenceShare) };
}

function nullShare(column: Column): number {
  const values = column.values;
  if (values.length === 0) return 0;
  let nulls = 0;
  for (let row = 0; row < values.length; row++) {
    const value = values[row];
    if (value === null || (typeof value === 'number' && Number.isNaN(value))) nulls++;
  }
  return nulls / values.length;
}

function countValues(values: (string | null)[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) if (value !== null) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

function rankByCount(counts: Map<string, number>): string[] {
  return [...counts].sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0)).map(([value]) => value);
}

/** Four significant digits for messages (drift.json keeps full precision). */
export function format(value: number): string {
  return Number(value.toPrecision(4)).toString();
}

/** A p-value too small for a double after 1 − P(D < d) prints as a bound, not as 0. */
function formatP(pValue: number): string {
  return pValue < 1e-15 ? 'p < 1e-15' : `p ${format(pValue)}`;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
