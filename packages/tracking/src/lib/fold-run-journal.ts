import { claimRunJournal, keepRejectedJournalLines, parseRunJournalLine, releaseRunJournalClaim } from './run-journal';
import { type RunRecord, runRecordSchema } from './run-record';

/** What folding a journal in did: how many runs it recorded, and warnings to print (lines kept aside, a fold that failed). */
export interface RunJournalFold {
  recorded: number;
  warnings: string[];
}

/**
 * Records the journaled runs of the SQLite store at `storePath` through `record` (one
 * transaction; a run the store holds already is not added twice), then deletes what it
 * claimed. Lines that are not valid runs are kept in `<store>.journal.rejected`. Never throws:
 * a fold that fails leaves its claim for the next open and says so.
 */
export async function foldRunJournal(storePath: string, record: (runs: RunRecord[]) => Promise<unknown>): Promise<RunJournalFold> {
  const warnings: string[] = [];
  let recorded = 0;
  try {
    for (const claim of claimRunJournal(storePath)) {
      const runs: RunRecord[] = [];
      const rejected: { line: string; reason: string }[] = [];
      for (const line of claim.lines) {
        const parsed = parseRunJournalLine(line);
        if (!parsed) continue;
        if ('rejected' in parsed) {
          rejected.push({ line, reason: parsed.rejected });
          continue;
        }
        const run = runRecordSchema.safeParse(parsed.run);
        if (run.success) runs.push(run.data);
        else
          rejected.push({
            line,
            reason: `not a run record: ${run.error.issues.map((issue) => `${issue.path.join('.') || '(run)'}: ${issue.message}`).join('; ')}`,
          });
      }
      await record(runs);
      recorded += runs.length;
      const keptAt = keepRejectedJournalLines(storePath, rejected);
      if (keptAt) warnings.push(`${rejected.length} journaled run(s) could not be read and were kept in ${keptAt} (${rejected[0]!.reason})`);
      releaseRunJournalClaim(claim);
    }
  } catch (error) {
    warnings.push(
      `journaled runs (cache restores) not folded into ${storePath} yet: ${error instanceof Error ? error.message : String(error)}; the next open of the store tries again`,
    );
  }
  return { recorded, warnings };
}
