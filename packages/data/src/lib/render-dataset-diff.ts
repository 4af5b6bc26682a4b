import type { DatasetVersionDiff, FileVersionDiff, VersionLabel } from './diff-dataset-versions';
import type { ColumnDiff } from './diff-table-profiles';

function short(value: string | null | undefined): string {
  return value ? value.slice(0, 12) : '–';
}

function versionName(version: VersionLabel): string {
  return version.commit && version.commit.slice(0, 12) !== version.label ? `${version.label} (${short(version.commit)})` : version.label;
}

function number(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

function percent(value: number | null): string {
  return value === null ? '–' : `${(value * 100).toFixed(1)}%`;
}

function median(column: ColumnDiff, side: 'before' | 'after'): number | undefined {
  return column.numbers?.[side].quantiles.find((point) => point.q === 0.5)?.value;
}

/** The notable changes of one column, or nothing when it did not change in a way worth a line. */
function columnNotes(column: ColumnDiff): string[] {
  if (column.change === 'added') return [`added column '${column.name}' (${column.kind.after})`];
  if (column.change === 'removed') return [`removed column '${column.name}'`];
  if (column.change === 'retyped') return [`column '${column.name}' retyped ${column.kind.before} → ${column.kind.after}`];
  const notes: string[] = [];
  const categories = column.categories;
  if (categories?.vanished.length)
    notes.push(`'${column.name}' lost categor${categories.vanished.length === 1 ? 'y' : 'ies'} ${categories.vanished.join(', ')}`);
  if (categories?.added.length) notes.push(`'${column.name}' gained categor${categories.added.length === 1 ? 'y' : 'ies'} ${categories.added.join(', ')}`);
  if (column.shift && column.shift.level !== 'stable') {
    notes.push(
      `'${column.name}' ${column.shift.level} shift (PSI ${column.shift.psi.toFixed(3)}${column.shift.ks === null ? '' : `, KS ${column.shift.ks.toFixed(3)}`})`,
    );
  }
  return notes;
}

/** One line per changed file, for a changelog entry or a model card. */
export function summarizeDatasetDiff(diff: DatasetVersionDiff): string[] {
  return diff.files.filter((file) => file.change !== 'unchanged').map(summarizeFile);
}

function summarizeFile(file: FileVersionDiff): string {
  if (file.change === 'added') return `${file.key}: new file ${file.after!.source}`;
  if (file.change === 'removed') return `${file.key}: file removed (${file.before!.source})`;
  const profile = file.profile!;
  const notes = [`${profile.rows.before} → ${profile.rows.after} rows`, ...profile.columns.flatMap(columnNotes)];
  for (const entry of file.validation?.appeared ?? []) notes.push(`new rule break ${entry}`);
  return `${file.key}: ${notes.join('; ')}`;
}

/** The full diff as text: per file, what moved in the lock, then a table of every column. */
export function renderDatasetDiff(diff: DatasetVersionDiff): string {
  const lines = [`${diff.stage}: ${versionName(diff.before)} → ${versionName(diff.after)}`];
  if (diff.before.lockSha256 === diff.after.lockSha256) lines.push('the lock is the same in both versions');
  for (const file of diff.files) lines.push('', ...renderFile(file));
  return `${lines.join('\n')}\n`;
}

function renderFile(file: FileVersionDiff): string[] {
  const lines = [`file ${file.key} (${file.change})`];
  const before = file.before;
  const after = file.after;
  if (before && after) {
    if (before.source !== after.source) lines.push(`  source    ${before.source} → ${after.source}`);
    else lines.push(`  source    ${after.source}`);
    if (before.revision !== after.revision) lines.push(`  revision  ${short(before.revision)} → ${short(after.revision)}`);
    lines.push(`  sha256    ${short(before.sha256)} → ${short(after.sha256)}`);
  }
  const profile = file.profile;
  if (!profile) return lines;
  lines.push(`  rows      ${profile.rows.before} → ${profile.rows.after}`);
  for (const column of profile.columns) {
    const notes = columnNotes(column);
    if (column.change !== 'kept') {
      lines.push(`  ${notes[0]}`);
      continue;
    }
    const parts = [`nulls ${percent(column.nullShare.before)} → ${percent(column.nullShare.after)}`];
    if (column.numbers) {
      const { before: b, after: a } = column.numbers;
      parts.push(
        `min ${number(b.min)} → ${number(a.min)}`,
        `median ${number(median(column, 'before'))} → ${number(median(column, 'after'))}`,
        `max ${number(b.max)} → ${number(a.max)}`,
      );
    }
    if (column.categories && (column.categories.added.length || column.categories.vanished.length)) {
      parts.push(`categories +[${column.categories.added.join(', ')}] −[${column.categories.vanished.join(', ')}]`);
    }
    if (column.shift)
      parts.push(`PSI ${column.shift.psi.toFixed(3)}${column.shift.ks === null ? '' : ` KS ${column.shift.ks.toFixed(3)}`} ${column.shift.level}`);
    lines.push(`  ${column.name}: ${parts.join(', ')}`);
  }
  for (const entry of file.validation?.appeared ?? []) lines.push(`  validation: new rule break ${entry}`);
  for (const entry of file.validation?.resolved ?? []) lines.push(`  validation: resolved ${entry}`);
  return lines;
}
