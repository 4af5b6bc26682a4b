import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
// Light (node builtins and core's light part only): the plugin appends to the journal in Nx's
// process after every command that restored a stage, so nothing here may load zod or SQLite.
import { isProcessAlive } from '@reproml/core/layout';
import type { RunRecord } from './run-record';

// The run journal: runs written beside a SQLite run store without opening it, folded into the
// store by its next open (RunStore.open), before anything reads or writes it. The plugin records
// the cache restores of a command here, so a cached rerun does not wait for SQLite, zod and the
// store's migrations before Nx exits; every reader still sees every run (it folds first).
//
// `<store>.journal` holds one JSON line per run, `{"format":1,"run":{…}}`, each batch appended
// with one write (O_APPEND: concurrent appenders do not interleave). A fold claims the file by
// renaming it to `<store>.journal.<pid>-<random>.folding` (one folder wins; appends after the
// rename start a new journal), records its runs in one transaction, then deletes the claim. A
// fold killed before the delete leaves its claim: the next fold takes over a claim whose process
// is gone, and records it again at no cost (a run's fingerprint is unique in a store). A line
// that is not a whole run (a crash mid-append, a hand edit) is moved to `<store>.journal.rejected`
// with the reason, never dropped.

export const RUN_JOURNAL_FORMAT = 1;

/** The journal of a SQLite run store. */
export function runJournalPath(storePath: string): string {
  return `${storePath}.journal`;
}

/**
 * Appends runs to the journal of the SQLite store at `storePath` (creating its folder), in one
 * write. A fold may claim the journal between this open and this write, and delete the claim
 * before the write is read: so once written, the file written to must still be the journal, or
 * the lines go to the journal again (a run folded twice is stored once). `afterOpen` lets a test
 * claim the journal at that moment.
 */
export function appendRunJournal(storePath: string, runs: readonly RunRecord[], afterOpen?: () => void): void {
  if (runs.length === 0) return;
  const path = runJournalPath(storePath);
  mkdirSync(dirname(path), { recursive: true });
  const lines = Buffer.from(runs.map((run) => `${JSON.stringify({ format: RUN_JOURNAL_FORMAT, run })}\n`).join(''));
  for (let attempt = 1; ; attempt++) {
    const fd = openSync(path, 'a', 0o600);
    let written: number;
    try {
      if (attempt === 1) afterOpen?.();
      for (let offset = 0; offset < lines.length; offset += writeSync(fd, lines, offset));
      written = fstatSync(fd).ino;
    } finally {
      closeSync(fd);
    }
    if (written === inodeOf(path)) return;
    if (attempt === 5) throw new Error(`${path} was claimed five times while runs were appended to it`);
  }
}

/** The file's inode number, or undefined when there is no file (a link is followed). */
function inodeOf(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

/** True when the store has journaled runs (or an abandoned claim) waiting to be folded in. */
export function runJournalPending(storePath: string): boolean {
  const path = runJournalPath(storePath);
  return inodeOf(path) !== undefined || abandonedClaims(path).length > 0;
}

/** A journal this process claimed: its lines, and what to call once they are recorded. */
export interface ClaimedRunJournal {
  /** The claimed file (renamed from the journal, or taken over from a process that is gone). */
  path: string;
  lines: string[];
}

/**
 * Claims the pending journal and every abandoned claim: after this, no other fold records them.
 * Throws when one is not a regular file (a link to a device or elsewhere), leaving it in place.
 */
export function claimRunJournal(storePath: string): ClaimedRunJournal[] {
  const journal = runJournalPath(storePath);
  const claimed: ClaimedRunJournal[] = [];
  for (const source of [...abandonedClaims(journal), journal]) {
    if (!isRegularFileOrMissing(source)) throw new Error(`${source} is not a regular file (a link?): move it away; no run in it is read`);
    const target = `${journal}.${process.pid}-${randomBytes(6).toString('hex')}.folding`;
    try {
      renameSync(source, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // another fold took it first
      throw error;
    }
    claimed.push({ path: target, lines: readFileSync(target, 'utf8').split('\n') });
  }
  return claimed;
}

/** Parses a claimed line: the run it holds (unvalidated), or why it is not one. Empty lines are neither. */
export function parseRunJournalLine(line: string): { run: unknown } | { rejected: string } | undefined {
  if (line.trim() === '') return undefined;
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return { rejected: 'not a whole JSON line (a write cut short?)' };
  }
  if (!entry || typeof entry !== 'object' || !('run' in entry)) return { rejected: 'no run in the line' };
  const format = (entry as { format?: unknown }).format;
  if (format !== RUN_JOURNAL_FORMAT) {
    return {
      rejected: `journal format ${JSON.stringify(format)}, this ReproML reads format ${RUN_JOURNAL_FORMAT} (a newer ReproML wrote it: fold it in with that version)`,
    };
  }
  return { run: (entry as { run: unknown }).run };
}

/** Keeps lines that are not runs beside the journal, each with its reason, so nothing journaled is lost. */
export function keepRejectedJournalLines(storePath: string, rejected: readonly { line: string; reason: string }[]): string | undefined {
  if (rejected.length === 0) return undefined;
  const path = `${runJournalPath(storePath)}.rejected`;
  appendFileSync(path, rejected.map(({ line, reason }) => `${JSON.stringify({ reason, rejectedAt: new Date().toISOString(), line })}\n`).join(''), {
    mode: 0o600,
  });
  return path;
}

/** Deletes a claim once its runs are in the store. */
export function releaseRunJournalClaim(claim: ClaimedRunJournal): void {
  try {
    unlinkSync(claim.path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Claims left by a fold whose process is gone (killed between its claim and its delete). */
function abandonedClaims(journal: string): string[] {
  const dir = dirname(journal);
  const prefix = `${basename(journal)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.startsWith(prefix) && name.endsWith('.folding'))
    .filter((name) => !isProcessAlive(Number(name.slice(prefix.length).split('-')[0])))
    .map((name) => join(dir, name));
}

function isRegularFileOrMissing(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return true;
  }
}
