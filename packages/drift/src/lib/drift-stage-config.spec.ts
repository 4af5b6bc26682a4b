import { describe, expect, it } from 'vitest';
import { driftStageConfigSchema, thresholdsFor } from './drift-stage-config';

describe('driftStageConfigSchema', () => {
  const minimal = { kind: 'drift', inputs: { batch: 'batch', features: 'preprocess' } };

  it('fills the documented defaults', () => {
    const config = driftStageConfigSchema.parse(minimal);
    expect(config).toMatchObject({
      thresholds: { psi: { warn: 0.1, alert: 0.25 }, unseen: { warn: 0.01, alert: 0.05 }, nulls: { warn: 0.05, alert: 0.2 } },
      alpha: 0.01,
      prediction: { psi: { warn: 0.1, alert: 0.25 }, split: 'test' },
      overall: { alertFeatures: 1, driftShare: 0.5 },
      psiEpsilon: 1e-4,
      onAlert: 'fail',
      features: {},
    });
  });

  it('needs the batch and the reference inputs', () => {
    const result = driftStageConfigSchema.safeParse({ kind: 'drift', inputs: { batch: 'batch' } });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['inputs', 'features']);
  });

  it('refuses a warn level above the alert level, unknown fields and unknown onAlert values', () => {
    expect(driftStageConfigSchema.safeParse({ ...minimal, thresholds: { psi: { warn: 0.3, alert: 0.2 } } }).success).toBe(false);
    expect(driftStageConfigSchema.safeParse({ ...minimal, treshold: {} }).success).toBe(false);
    expect(driftStageConfigSchema.safeParse({ ...minimal, onAlert: 'ignore' }).success).toBe(false);
  });

  it('per-feature overrides replace only the levels they name', () => {
    const config = driftStageConfigSchema.parse({ ...minimal, features: { mass: { psi: { warn: 0.2, alert: 0.5 } } } });
    expect(thresholdsFor(config, 'mass')).toEqual({ psi: { warn: 0.2, alert: 0.5 }, unseen: { warn: 0.01, alert: 0.05 }, nulls: { warn: 0.05, alert: 0.2 } });
    expect(thresholdsFor(config, 'other').psi).toEqual({ warn: 0.1, alert: 0.25 });
  });
});
