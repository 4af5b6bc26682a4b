import type { ChiSquareResult } from './chi-square-test';
import type { FeatureThresholds } from './drift-stage-config';
import type { DriftVerdict } from './drift-verdict';
import type { KolmogorovSmirnovResult } from './kolmogorov-smirnov';

/** Training vs batch counts on the bins PSI used: numbers by the training deciles, strings by category. */
export type DriftDistribution =
  | { kind: 'histogram'; edges: number[]; reference: number[]; batch: number[] }
  | { kind: 'categories'; categories: string[]; reference: number[]; batch: number[]; unseen: boolean[] };

/** One feature (or the predictions) in drift.json. */
export interface FeatureDrift {
  name: string;
  kind: 'number' | 'string';
  verdict: DriftVerdict;
  /** Why the verdict is what it is, one sentence per check that reached a level (or was held back). */
  reasons: string[];
  /** The headline statistic: PSI. */
  statistic: number;
  /** p-value of the feature's test (KS for numbers, chi-square for strings); null when untestable. */
  pValue: number | null;
  test: 'kolmogorov-smirnov' | 'chi-square';
  /** p-value below alpha / tests: a PSI level only counts when true. */
  significant: boolean;
  psi: number;
  ks?: KolmogorovSmirnovResult;
  chiSquare?: ChiSquareResult;
  rows: { reference: number; batch: number };
  nulls: { reference: number; batch: number; rise: number };
  /** Strings only: share of the batch's present values the training split never had, and the most frequent of them. */
  unseen?: { share: number; values: { value: string; count: number }[] };
  distribution: DriftDistribution;
  thresholds: Pick<FeatureThresholds, 'psi'> & Partial<FeatureThresholds>;
}

export interface DriftReport {
  schemaVersion: 1;
  verdict: DriftVerdict;
  /** Names of the features (and `prediction`) that alert, in column order. */
  alerts: string[];
  warnings: string[];
  /** One line naming the drifted features, as the stage logs it. */
  summary: string;
  reference: { stage: string; file: string; rows: number };
  batch: { stage: string; file: string; rows: number };
  alpha: number;
  /** Number of tests in the Bonferroni family (checked features + the prediction check). */
  tests: number;
  /** alpha / tests. */
  significanceLevel: number;
  features: FeatureDrift[];
  prediction: (FeatureDrift & { referenceSplit: string; excludedRows: number }) | null;
  overall: { alertFeatures: number; driftShare: number; driftedShare: number };
}
