import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { parseStageRoot } from '@reproml/core';
import { CHANGELOG_FILE, LOCK_FILE_NAME, MISSING_MESSAGE, parseChangelog } from '@reproml/data';

/**
 * The pull-request gate for data changes: every dataset lock (`pipelines/<p>/<s>/stage.lock.json`)
 * that changed between `base` and `head` must come with an entry in the CHANGELOG.md beside it
 * that names the new lock's sha256 and carries a real message (not the placeholder `lock`
 * writes when nobody typed one). Run from the workspace root:
 *   node -r @swc-node/register tools/ci/check-lock-changelog.ts --base <sha> [--head <sha>]
 */
export interface LockChangelogProblem {
  lockFile: string;
  problem: string;
}

/** A dataset lock: the lock file of a stage folder (core's stage layout), not of a sweep point or fold. */
function isDatasetLock(path: string): boolean {
  const stage = parseStageRoot(posix.dirname(path));
  return posix.basename(path) === LOCK_FILE_NAME && stage !== undefined && stage.point === undefined && stage.fold === undefined;
}

function git(workspaceRoot: string, args: string[]): { ok: boolean; out: Buffer } {
  const result = spawnSync('git', args, { cwd: workspaceRoot, maxBuffer: 256 * 1024 * 1024 });
  return { ok: result.status === 0, out: result.stdout ?? Buffer.alloc(0) };
}

export function checkLockChangelogs(params: { workspaceRoot: string; base: string; head?: string }): { checked: string[]; problems: LockChangelogProblem[] } {
  const head = params.head ?? 'HEAD';
  const diff = git(params.workspaceRoot, ['diff', '--name-only', '--no-renames', params.base, head]);
  if (!diff.ok) throw new Error(`git diff ${params.base} ${head} failed: is the base commit fetched (fetch-depth: 0)?`);
  const changed = new Set(diff.out.toString('utf8').split('\n').filter(Boolean));
  const locks = [...changed].filter(isDatasetLock).sort();
  const problems: LockChangelogProblem[] = [];
  for (const lockFile of locks) {
    const lock = git(params.workspaceRoot, ['show', `${head}:${lockFile}`]);
    if (!lock.ok) continue; // the lock was deleted with its stage: nothing to describe
    const sha256 = createHash('sha256').update(lock.out).digest('hex');
    const changelogFile = posix.join(posix.dirname(lockFile), CHANGELOG_FILE);
    const changelog = git(params.workspaceRoot, ['show', `${head}:${changelogFile}`]);
    const entry = changelog.ok ? parseChangelog(changelog.out.toString('utf8')).find((candidate) => candidate.lockSha256 === sha256) : undefined;
    if (!changed.has(changelogFile) || !entry) {
      problems.push({
        lockFile,
        problem: `changed without an entry for lock ${sha256.slice(0, 12)} in ${changelogFile}: run \`nx run <stage>:lock --message "why"\` (it appends one) and commit it with the lock`,
      });
    } else if (!entry.message || entry.message === MISSING_MESSAGE) {
      problems.push({ lockFile, problem: `the ${changelogFile} entry for lock ${sha256.slice(0, 12)} has no message: say why the data changed` });
    }
  }
  return { checked: locks, problems };
}

function main(argv: string[]): number {
  const option = (name: string) => {
    const index = argv.indexOf(name);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const base = option('--base');
  if (!base) {
    process.stderr.write('usage: check-lock-changelog.ts --base <sha> [--head <sha>]\n');
    return 2;
  }
  const { checked, problems } = checkLockChangelogs({ workspaceRoot: process.cwd(), base, head: option('--head') });
  for (const { lockFile, problem } of problems) process.stderr.write(`error: ${lockFile}: ${problem}\n`);
  if (problems.length === 0) process.stdout.write(`${checked.length} dataset lock change(s), each with a changelog entry\n`);
  return problems.length ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
