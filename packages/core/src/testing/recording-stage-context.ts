import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StageIdentity } from '../lib/lineage-record';
import type { StageContext } from '../lib/run-stage';
import { SeededRandom } from '../lib/seeded-random';

/** A StageContext for unit tests of a kind's work: out/ under `root` (created), logs and warnings kept in arrays, inputs recorded without hashing. */
export interface RecordingStageContext extends StageContext {
  readonly logs: string[];
  readonly warnings: string[];
}

export function recordingStageContext(params: { root: string; stage: StageIdentity; seed?: number }): RecordingStageContext {
  const logs: string[] = [];
  const warnings: string[] = [];
  const seed = params.seed ?? 42;
  const outDir = join(params.root, 'out');
  mkdirSync(outDir, { recursive: true });
  return {
    stage: params.stage,
    workspaceRoot: params.root,
    outDir,
    rng: new SeededRandom(seed),
    seed,
    progress: () => undefined,
    signal: new AbortController().signal,
    log: (message) => logs.push(message),
    warn: (message) => warnings.push(message),
    recordInput: async (path, from) => ({ path, from, sha256: '', size: 0 }),
    summarize: () => undefined,
    logs,
    warnings,
  };
}
