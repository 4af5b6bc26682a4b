import { type SweepResult, sweepResultOutput } from '@reproml/core';
import type { RunSummary, StoredRun } from './run-record';
import type { RunStore } from './run-store';

/** A sweep as the run store has it: the latest selection run with its sweep.json, and each point's latest run. */
export interface RecordedSweep {
  /** The run of the sweep stage (its selection) whose sweep.json this is. */
  run: RunSummary;
  result: SweepResult;
  /** Each point's latest succeeded run, in rank order (best first); a point without a recorded run is left out. */
  points: { point: SweepResult['points'][number]; run: StoredRun }[];
}

/** The latest succeeded run of `project` (a sweep stage) that recorded a sweep.json, with its points' runs; undefined when none did. */
export async function recordedSweep(store: RunStore, project: string): Promise<RecordedSweep | undefined> {
  for (const run of await store.list({ stage: project, status: 'succeeded', limit: 50 })) {
    if (run.project !== project) continue;
    const parsed = sweepResultOutput.schema.safeParse(await store.document(run.id, sweepResultOutput.file));
    if (!parsed.success) continue;
    const result = parsed.data;
    const ranked = [...result.points].sort((a, b) => a.rank - b.rank);
    const points: RecordedSweep['points'] = [];
    for (const point of ranked) {
      const [latest] = await store.list({ stage: point.project, status: 'succeeded', limit: 1 });
      const [full] = latest ? await store.getMany([latest.id]) : [];
      if (full) points.push({ point, run: full });
    }
    return { run, result, points };
  }
  return undefined;
}
