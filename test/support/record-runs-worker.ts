/**
 * One "stage process" for the concurrency test: records `count` runs through `recordRun` (a
 * fresh open, transaction and close each, as an executor does) into the store the env names,
 * starting at the wall-clock time `startAt` so that every worker writes at the same moment.
 * Every worker also records one identical run (same fingerprint). Prints the results as JSON.
 *
 *   node -r @swc-node/register test/support/record-runs-worker.ts <worker> <count> <startAt>
 */
import { recordRun } from '../../packages/tracking/src';
import { testRun } from '../../packages/tracking/src/lib/test-run';

async function main(): Promise<void> {
  const [worker, count, startAt] = process.argv.slice(2).map(Number) as [number, number, number];
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
  const results = [];
  for (let index = 0; index < count; index++) {
    const run = testRun({ host: `worker-${worker}`, startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString(), metrics: { index } });
    results.push(await recordRun({ workspaceRoot: process.cwd(), collect: () => run }));
    if (index === Math.floor(count / 2)) results.push(await recordRun({ workspaceRoot: process.cwd(), collect: () => testRun({ host: 'everyone' }) }));
  }
  process.stdout.write(JSON.stringify(results));
}

void main();
