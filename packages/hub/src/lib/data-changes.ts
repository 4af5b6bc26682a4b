import { join } from 'node:path';
import { CHANGELOG_FILE, type ChangelogEntry, readChangelog } from '@reproml/data/dataset-changelog'; // light subpath: the data index loads the Hub client
import type { ModelLineage } from './model-lineage';
import type { DatasetReference } from './model-version';

export interface StageDataChanges {
  /** Nx project of the pull stage. */
  stage: string;
  /** Changelog entries after the previous version's data, up to this version's, oldest first. */
  entries: ChangelogEntry[];
  /** False when the previous version's data has no entry (older than the changelog): `entries` then runs from the start. */
  previousFound: boolean;
}

export interface DataChanges {
  /** The version compared with; null for a model's first version. */
  previousVersion: number | null;
  stages: StageDataChanges[];
}

/** The changelog file of each pull stage in a model's lineage (workspace-relative). */
export function pullStageChangelogs(lineage: ModelLineage): Map<string, string> {
  const files = new Map<string, string>();
  for (const node of lineage.chain) {
    if (node.record.stage.kind === 'pull') files.set(node.record.stage.name, `${node.outDir.replace(/\/out$/, '')}/${CHANGELOG_FILE}`);
  }
  return files;
}

function matches(entry: ChangelogEntry, datasets: readonly DatasetReference[]): boolean {
  const keys = Object.keys(entry.files);
  return datasets.length > 0 && keys.length === datasets.length && datasets.every((dataset) => entry.files[dataset.key] === dataset.sha256);
}

/**
 * What the datasets' changelogs say changed between the previous model version and this one:
 * for each pull stage, the entries after the one that locked the previous version's bytes,
 * up to the one that locked this version's. Stages without a changelog, or whose current data
 * no entry names, are left out (there is nothing reviewed to quote).
 */
export function dataChangesSince(params: {
  workspaceRoot: string;
  lineage: ModelLineage;
  previous: { version: number; datasets: readonly DatasetReference[] } | null;
}): DataChanges {
  const stages: StageDataChanges[] = [];
  for (const [stage, file] of pullStageChangelogs(params.lineage)) {
    const entries = readChangelog(join(params.workspaceRoot, file));
    const current = params.lineage.datasets.filter((dataset) => dataset.stage === stage);
    const end = entries.findLastIndex((entry) => matches(entry, current));
    if (end < 0) continue;
    if (!params.previous) {
      stages.push({ stage, entries: [entries[end]!], previousFound: true });
      continue;
    }
    const before = params.previous.datasets.filter((dataset) => dataset.stage === stage);
    const start = entries.slice(0, end + 1).findLastIndex((entry) => matches(entry, before));
    stages.push({ stage, entries: entries.slice(start + 1, end + 1), previousFound: start >= 0 });
  }
  return { previousVersion: params.previous?.version ?? null, stages };
}

/** The model card section: the reviewed data changes since the previous version. */
export function renderDataChanges(changes: DataChanges): string {
  if (changes.stages.length === 0) return '';
  const heading =
    changes.previousVersion === null
      ? '## Data changes\n\nFirst version of this model; the data as its changelog describes it:'
      : `## Data changes since version ${changes.previousVersion}`;
  const blocks = changes.stages.map((stage) => {
    if (stage.entries.length === 0) return `### ${stage.stage}\n\nNo change: the same data as version ${changes.previousVersion}.`;
    const note = stage.previousFound ? '' : `\n\nVersion ${changes.previousVersion}'s data predates this changelog; every entry up to this version's data:`;
    const entries = stage.entries.map(
      (entry) =>
        `- ${entry.date} · lock \`${entry.lockSha256.slice(0, 12)}\` · ${entry.author}: ${entry.message.split('\n').join(' ')}${entry.summary.map((line) => `\n  - ${line}`).join('')}`,
    );
    return `### ${stage.stage}${note}\n\n${entries.join('\n')}`;
  });
  return [heading, ...blocks].join('\n\n');
}
