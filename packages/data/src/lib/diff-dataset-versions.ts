import type { LockedFile } from './dataset-lock';
import type { DatasetVersion, DatasetVersionFile } from './dataset-version';
import { diffTableProfiles, type TableProfileDiff } from './diff-table-profiles';

export interface VersionLabel {
  label: string;
  commit: string | null;
  lockSha256: string;
}

export interface ValidationChange {
  /** `column: rule` of rule breaks present in the later version only / the earlier version only. */
  appeared: string[];
  resolved: string[];
}

export interface FileVersionDiff {
  key: string;
  change: 'added' | 'removed' | 'changed' | 'unchanged';
  before: Pick<LockedFile, 'source' | 'revision' | 'sha256' | 'size'> | null;
  after: Pick<LockedFile, 'source' | 'revision' | 'sha256' | 'size'> | null;
  /** Where each version's profile was read: the stage's `out/`, a recorded run, or the data itself. */
  profileFrom: { before: DatasetVersionFile['from'] | null; after: DatasetVersionFile['from'] | null };
  /** Present when both versions hold the file. */
  profile?: TableProfileDiff;
  validation?: ValidationChange;
}

export interface DatasetVersionDiff {
  stage: string;
  before: VersionLabel;
  after: VersionLabel;
  files: FileVersionDiff[];
}

/** Everything that changed between two locked versions of a pull stage's dataset, file by file. */
export function diffDatasetVersions(stage: string, before: DatasetVersion, after: DatasetVersion): DatasetVersionDiff {
  const keys = [...new Set([...Object.keys(before.files), ...Object.keys(after.files)])].sort();
  return { stage, before: label(before), after: label(after), files: keys.map((key) => diffFile(key, before.files[key], after.files[key])) };
}

function label(version: DatasetVersion): VersionLabel {
  return { label: version.label, commit: version.commit, lockSha256: version.lockSha256 };
}

function lockedSummary(file: DatasetVersionFile | undefined): FileVersionDiff['before'] {
  if (!file) return null;
  const { source, revision, sha256, size } = file.locked;
  return { source, revision, sha256, size };
}

function diffFile(key: string, before: DatasetVersionFile | undefined, after: DatasetVersionFile | undefined): FileVersionDiff {
  const base = { key, before: lockedSummary(before), after: lockedSummary(after), profileFrom: { before: before?.from ?? null, after: after?.from ?? null } };
  if (!before) return { ...base, change: 'added' };
  if (!after) return { ...base, change: 'removed' };
  const same = before.locked.sha256 === after.locked.sha256 && before.locked.source === after.locked.source;
  return {
    ...base,
    change: same ? 'unchanged' : 'changed',
    profile: diffTableProfiles(before.profile, after.profile),
    validation: diffValidation(before, after),
  };
}

function violations(file: DatasetVersionFile): Set<string> {
  return new Set((file.validation.violations ?? []).map((violation) => `${violation.column}: ${violation.rule}`));
}

function diffValidation(before: DatasetVersionFile, after: DatasetVersionFile): ValidationChange {
  const earlier = violations(before);
  const later = violations(after);
  return { appeared: [...later].filter((entry) => !earlier.has(entry)).sort(), resolved: [...earlier].filter((entry) => !later.has(entry)).sort() };
}
