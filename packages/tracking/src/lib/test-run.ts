import type { RunRecord } from './run-record';

/** A complete run record for tests; override what a test is about. */
export function testRun(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    pipeline: 'penguins',
    stage: 'train',
    project: 'penguins-train',
    kind: 'train',
    origin: 'executed',
    cacheSource: null,
    taskHash: 'abc123',
    gitCommit: '0123456789abcdef0123456789abcdef01234567',
    gitDirty: false,
    params: { kind: 'train', training: { epochs: 10, optimizer: { learningRate: 0.01 } } },
    metrics: { trainLoss: 0.5 },
    artifacts: [{ path: 'model.onnx', sha256: 'a'.repeat(64), size: 10 }],
    datasets: [{ stage: 'penguins-data', key: 'penguins', source: 'pipelines/penguins/raw/penguins.json', revision: null, sha256: 'b'.repeat(64) }],
    seed: 42,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1200,
    host: 'test-host',
    status: 'succeeded',
    error: null,
    tags: [],
    documents: {},
    ...overrides,
  };
}
