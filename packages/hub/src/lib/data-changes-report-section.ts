import { join } from 'node:path';
import { listStageFolders, readStageKind, type StageFolder } from '@reproml/core';
import { CHANGELOG_FILE, type ChangelogEntry, readChangelog } from '@reproml/data/dataset-changelog';
import type { ModelRegistry } from './model-registry';
import type { DatasetReference } from './model-version';

interface PushedVersion {
  model: string;
  version: number;
  datasets: readonly DatasetReference[];
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function pullStages(workspaceRoot: string, pipeline: string): StageFolder[] {
  return listStageFolders(workspaceRoot, pipeline).filter((stage) => readStageKind(workspaceRoot, stage) === 'pull');
}

async function pushedVersions(registry: ModelRegistry, pipeline: string): Promise<PushedVersion[]> {
  const versions: PushedVersion[] = [];
  for (const summary of await registry.listModels()) {
    for (const version of (await registry.getModel(summary.name)).versions) {
      if (version.source.pipeline === pipeline) versions.push({ model: summary.name, version: version.version, datasets: version.source.datasets });
    }
  }
  return versions;
}

function versionsOf(entry: ChangelogEntry, stage: string, versions: readonly PushedVersion[]): string[] {
  return versions
    .filter((version) => {
      const datasets = version.datasets.filter((dataset) => dataset.stage === stage);
      return (
        datasets.length > 0 && datasets.length === Object.keys(entry.files).length && datasets.every((dataset) => entry.files[dataset.key] === dataset.sha256)
      );
    })
    .map((version) => `${version.model} v${version.version}`);
}

function entryRow(entry: ChangelogEntry, versions: string[]): string {
  const summary = entry.summary.length ? `<ul>${entry.summary.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>` : '';
  return `<tr><td>${escapeHtml(entry.date)}</td><td><code>${entry.lockSha256.slice(0, 12)}</code></td><td>${escapeHtml(entry.author)}</td><td>${escapeHtml(entry.message)}${summary}</td><td>${escapeHtml(versions.join(', ') || '–')}</td></tr>`;
}

/**
 * The report's "Dataset changes" section: every pull stage's changelog, newest first, each
 * entry tagged with the model versions trained on its data, so the entries above a
 * version's tag are the data changes since that version.
 */
export async function renderDataChangesReportSection(params: {
  workspaceRoot: string;
  pipeline: string;
  registry: ModelRegistry | undefined;
}): Promise<string> {
  const stages = pullStages(params.workspaceRoot, params.pipeline);
  const versions = params.registry ? await pushedVersions(params.registry, params.pipeline).catch(() => []) : [];
  const blocks = stages.map((stage) => {
    const entries = readChangelog(join(params.workspaceRoot, stage.root, CHANGELOG_FILE)).reverse();
    if (entries.length === 0)
      return `<h3>${escapeHtml(stage.project)}</h3><p class="empty">No changelog entries (\`nx run ${escapeHtml(stage.project)}:lock --message …\` writes them).</p>`;
    const rows = entries.map((entry) => entryRow(entry, versionsOf(entry, stage.project, versions)));
    return `<h3>${escapeHtml(stage.project)}</h3><table><thead><tr><th>date</th><th>lock</th><th>who</th><th>why and what changed</th><th>model versions on this data</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  });
  const body = blocks.length ? blocks.join('') : '<p class="empty">This pipeline has no pull stage.</p>';
  return `<section id="data-changes"><h2>Dataset changes</h2><p class="intro">Each pull stage's CHANGELOG.md, newest first. An entry tagged with a model version holds the data that version was trained on; the entries above the previous version's tag are the data changes since it.</p>${body}</section>`;
}
