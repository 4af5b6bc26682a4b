import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listStageFolders, writeFileAtomic } from '@reproml/core';

/** The changelog of a pull stage's dataset, beside its stage file (not hashed: a Markdown file). */
export const CHANGELOG_FILE = 'CHANGELOG.md';

/** Written when `lock` got no message; the CI check refuses an entry that still says it. */
export const MISSING_MESSAGE = '(no message yet: describe why the data changed, then commit)';

export interface ChangelogEntry {
  /** YYYY-MM-DD. */
  date: string;
  /** Who made the change: `Name <email>` from git, or the user name. */
  author: string;
  message: string;
  /** sha256 of the new lock file's bytes, and of the one it replaced (null for the first lock). */
  lockSha256: string;
  previousLockSha256: string | null;
  /** sha256 of each locked data file, by key: what ties a model version's data to its entry. */
  files: Record<string, string>;
  /** One line per changed file, from the profile diff. */
  summary: string[];
}

const MARKER = /^<!-- reproml-lock sha256=([0-9a-f]{64}) previous=([0-9a-f]{64}|none)(?: files=(\S*))? -->$/;

/** The entry as Markdown: a heading, the message, the summary, and a machine-readable marker. */
export function formatChangelogEntry(entry: ChangelogEntry): string {
  return [
    `## ${entry.date} · lock ${entry.lockSha256.slice(0, 12)} · ${entry.author}`,
    '',
    entry.message.trim(),
    '',
    ...(entry.summary.length ? entry.summary.map((line) => `- ${line}`) : ['- no file changed its profile']),
    '',
    `<!-- reproml-lock sha256=${entry.lockSha256} previous=${entry.previousLockSha256 ?? 'none'} files=${formatFiles(entry.files)} -->`,
    '',
  ].join('\n');
}

/** Appends an entry (the file is created with a title); earlier entries are never rewritten. */
export async function appendChangelogEntry(path: string, stage: string, entry: ChangelogEntry): Promise<void> {
  const before = existsSync(path)
    ? readFileSync(path, 'utf8')
    : `# Dataset changelog: ${stage}\n\nOne entry per lock change, appended by \`nx run ${stage}:lock\`.\n`;
  await writeFileAtomic(path, `${before.replace(/\n*$/, '\n\n')}${formatChangelogEntry(entry)}`);
}

/** Entries of a changelog text, oldest first. */
export function parseChangelog(text: string): ChangelogEntry[] {
  const entries: ChangelogEntry[] = [];
  const lines = text.split('\n');
  let start = -1;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.startsWith('## ')) start = i;
    const marker = MARKER.exec(lines[i]!.trim());
    if (!marker || start < 0) continue;
    entries.push(parseEntry(lines.slice(start, i), marker[1]!, marker[2] === 'none' ? null : marker[2]!, parseFiles(marker[3] ?? '')));
    start = -1;
  }
  return entries;
}

function formatFiles(files: Record<string, string>): string {
  return Object.keys(files)
    .sort()
    .map((key) => `${encodeURIComponent(key)}:${files[key]}`)
    .join(',');
}

function parseFiles(text: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const pair of text.split(',').filter(Boolean)) {
    const at = pair.lastIndexOf(':');
    files[decodeURIComponent(pair.slice(0, at))] = pair.slice(at + 1);
  }
  return files;
}

function parseEntry(lines: string[], lockSha256: string, previousLockSha256: string | null, files: Record<string, string>): ChangelogEntry {
  const [date = '', , ...authorParts] = lines[0]!.slice(3).split(' · ');
  const body = lines.slice(1);
  const summary = body.filter((line) => line.startsWith('- ')).map((line) => line.slice(2));
  const message = body
    .filter((line) => !line.startsWith('- '))
    .join('\n')
    .trim();
  return { date, author: authorParts.join(' · '), message, lockSha256, previousLockSha256, files, summary };
}

/** Entries of a changelog file (none when it does not exist). */
export function readChangelog(path: string): ChangelogEntry[] {
  return existsSync(path) ? parseChangelog(readFileSync(path, 'utf8')) : [];
}

/**
 * Absolute paths of every pull stage's changelog (`pipelines/<p>/<s>/CHANGELOG.md`). The push
 * stage reads them, unhashed, for the model card (why unhashed: the push kind's `extraReadPaths`).
 */
export function datasetChangelogPaths(workspaceRoot: string): string[] {
  return listStageFolders(workspaceRoot)
    .map((stage) => join(workspaceRoot, stage.root, CHANGELOG_FILE))
    .filter((path) => existsSync(path));
}
