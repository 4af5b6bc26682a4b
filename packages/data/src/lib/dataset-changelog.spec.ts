import { describe, expect, it } from 'vitest';
import { type ChangelogEntry, formatChangelogEntry, parseChangelog } from './dataset-changelog';

const entry = (overrides: Partial<ChangelogEntry> = {}): ChangelogEntry => ({
  date: '2026-11-30',
  author: 'Dana Data <dana@example.com>',
  message: 'New export: adds the year.\nSecond line of the why.',
  lockSha256: 'a'.repeat(64),
  previousLockSha256: 'b'.repeat(64),
  files: { shop: 'c'.repeat(64), 'a,b:c': 'd'.repeat(64) },
  summary: ["shop: 400 → 380 rows; added column 'year' (number)"],
  ...overrides,
});

describe('dataset changelog', () => {
  it('reads back every entry it writes, oldest first', () => {
    const first = entry({ previousLockSha256: null, lockSha256: 'b'.repeat(64), message: 'First.', summary: [] });
    const text = `# Dataset changelog: shop-data\n\n${formatChangelogEntry(first)}\n${formatChangelogEntry(entry())}`;
    expect(parseChangelog(text)).toEqual([{ ...first, summary: ['no file changed its profile'] }, entry()]);
  });

  it('ignores headings without the lock marker (hand-written notes)', () => {
    expect(parseChangelog('# Dataset changelog\n\n## A note by hand\n\nNo marker here.\n')).toEqual([]);
  });

  it('keeps an author name with the separator in it whole', () => {
    const [parsed] = parseChangelog(formatChangelogEntry(entry({ author: 'Team · Data' })));
    expect(parsed?.author).toBe('Team · Data');
  });
});
