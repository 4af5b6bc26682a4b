import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { appendChangelogEntry, CHANGELOG_FILE, type ChangelogEntry, MISSING_MESSAGE } from './dataset-changelog';
import { type DatasetVersion, loadDatasetVersion } from './dataset-version';
import { diffDatasetVersions } from './diff-dataset-versions';
import { gitAuthor } from './git-revision';
import { summarizeDatasetDiff } from './render-dataset-diff';
import { type LockChange, type UpdateLockParams, updateLock } from './update-lock';

export interface LockWithChangelogParams extends UpdateLockParams {
  /** Workspace-relative stage folder (where CHANGELOG.md lives). */
  stageRoot: string;
  /** Why the data changed; asked for (when `ask` is given) or left as a placeholder the CI check refuses. */
  message?: string;
  ask?: () => Promise<string | undefined>;
  /** Default: git's user.name/user.email. */
  author?: string;
  /** Default: now. */
  now?: Date;
}

export interface LockWithChangelogResult {
  changes: LockChange[];
  /** The entry appended to the stage's CHANGELOG.md, when the lock changed. */
  entry?: ChangelogEntry;
  changelogFile: string;
}

/**
 * `lock` with a record of why: resolves the sources to a new lock (see `updateLock`) and, when
 * the lock changed, appends a changelog entry with who, when, the message and a summary of
 * the profile diff between the previous and the new version.
 */
export async function lockWithChangelog(params: LockWithChangelogParams): Promise<LockWithChangelogResult> {
  const warn = params.warn ?? ((message: string) => process.stderr.write(`warning: ${message}\n`));
  const changelogFile = `${params.stageRoot}/${CHANGELOG_FILE}`;
  const before = existsSync(params.lockPath) ? await loadWorkingVersion(params, 'previous lock', warn) : undefined;
  const changes = await updateLock(params);
  if (changes.every((change) => change.change === 'unchanged')) return { changes, changelogFile };
  const after = await loadWorkingVersion(params, 'new lock', warn);
  if (!after) return { changes, changelogFile };
  const message = params.message?.trim() || (await params.ask?.())?.trim() || MISSING_MESSAGE;
  if (message === MISSING_MESSAGE) warn(`${changelogFile}: no message given; edit the new entry before committing (CI refuses a lock change without one)`);
  const entry: ChangelogEntry = {
    date: (params.now ?? new Date()).toISOString().slice(0, 10),
    author: params.author ?? gitAuthor(params.workspaceRoot),
    message,
    lockSha256: after.lockSha256,
    previousLockSha256: before?.lockSha256 ?? null,
    files: Object.fromEntries(Object.entries(after.lock.files).map(([key, file]) => [key, file.sha256])),
    summary: before ? summarizeDatasetDiff(diffDatasetVersions(params.stage, before, after)) : Object.keys(after.files).map((key) => firstLockLine(key, after)),
  };
  await appendChangelogEntry(join(params.workspaceRoot, changelogFile), params.stage, entry);
  return { changes, entry, changelogFile };
}

async function loadWorkingVersion(params: LockWithChangelogParams, label: string, warn: (message: string) => void): Promise<DatasetVersion | undefined> {
  try {
    return await loadDatasetVersion({
      workspaceRoot: params.workspaceRoot,
      stageRoot: params.stageRoot,
      stage: params.stage,
      commit: null,
      label,
      environment: params.environment,
      warn,
    });
  } catch (error) {
    warn(`the changelog entry has no profile diff: the ${label}'s data could not be read (${error instanceof Error ? error.message : String(error)})`);
    return undefined;
  }
}

function firstLockLine(key: string, version: DatasetVersion): string {
  const file = version.files[key]!;
  return `${key}: first lock of ${file.locked.source} (${file.profile.rows} rows × ${file.profile.columns.length} columns)`;
}
