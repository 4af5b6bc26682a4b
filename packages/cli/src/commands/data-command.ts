import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { ConfigError, stableStringify } from '@reproml/core';
import { CHANGELOG_FILE, diffDatasetVersions, LOCK_FILE_NAME, loadDatasetVersion, readChangelog, renderDatasetDiff } from '@reproml/data';
import { datasetTagName, defaultDiffRevisions, lockHistory, resolveDatasetRevision } from '../lib/dataset-revisions';
import { findPullStage } from '../lib/pull-stage-location';
import { recordedProfiles } from '../lib/recorded-profiles';
import { findWorkspaceRoot } from '../lib/workspace-root';
import type { Command, CommandIO } from './command';
import { commandEntry } from './command-table.mjs';

const USAGE = commandEntry('data').usage.join('\n         ');

type Values = { json?: boolean; message?: string };

/** `reproml data …`: what changed between two locked versions of a dataset, its changelog, and tags. */
export const dataCommand: Command = {
  ...commandEntry('data'),
  async run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, message: { type: 'string' } }, allowPositionals: true });
    const [sub, stageName, ...rest] = positionals;
    const handler = sub ? SUBCOMMANDS[sub] : undefined;
    if (!handler || !stageName) {
      io.stderr(`usage: ${USAGE}\n`);
      return 2;
    }
    return handler({ workspaceRoot: findWorkspaceRoot(), stageName, rest, values, io });
  },
};

interface Context {
  workspaceRoot: string;
  stageName: string;
  rest: string[];
  values: Values;
  io: CommandIO;
}

const SUBCOMMANDS: Record<string, (context: Context) => Promise<number>> = {
  async diff({ workspaceRoot, stageName, rest, values, io }) {
    const stage = findPullStage(workspaceRoot, stageName);
    const [a, b] = defaultDiffRevisions(workspaceRoot, stage, rest);
    const recorded = recordedProfiles(workspaceRoot, stage);
    const load = (label: string) =>
      loadDatasetVersion({
        workspaceRoot,
        stageRoot: stage.root,
        stage: stage.project,
        commit: resolveDatasetRevision(workspaceRoot, stage, label),
        label,
        recorded: recorded.lookup,
      });
    const diff = await Promise.resolve()
      .then(async () => diffDatasetVersions(stage.project, await load(a), await load(b)))
      .finally(recorded.close);
    io.stdout(values.json ? stableStringify(diff) : renderDatasetDiff(diff));
    return 0;
  },

  async tag({ workspaceRoot, stageName, rest, values, io }) {
    const stage = findPullStage(workspaceRoot, stageName);
    const [name] = rest;
    if (!name) {
      io.stderr(`usage: ${USAGE}\n`);
      return 2;
    }
    const lockFile = `${stage.root}/${LOCK_FILE_NAME}`;
    const pending = spawnSync('git', ['status', '--porcelain', '--', lockFile], { cwd: workspaceRoot, encoding: 'utf8' }).stdout.trim();
    if (pending) throw new ConfigError(`${lockFile} has uncommitted changes`, { stage: stage.project, file: lockFile, hint: 'Commit the lock, then tag it.' });
    const [commit] = lockHistory(workspaceRoot, stage, 1);
    if (!commit) throw new ConfigError(`${lockFile} was never committed`, { stage: stage.project, file: lockFile, hint: 'Commit the lock, then tag it.' });
    const tag = datasetTagName(stage, name);
    const args = values.message ? ['tag', '-a', tag, '-m', values.message, commit] : ['tag', tag, commit];
    const result = spawnSync('git', args, { cwd: workspaceRoot, encoding: 'utf8' });
    if (result.status !== 0) {
      throw new ConfigError(`git could not create tag ${tag}: ${result.stderr.trim()}`, {
        stage: stage.project,
        hint: 'A dataset tag names one version for good: pick a new name.',
      });
    }
    io.stdout(
      `tagged ${stage.project}'s lock at ${commit.slice(0, 12)} as ${tag} (\`reproml data diff ${stage.project} ${name}\`; push it with \`git push origin ${tag}\`)\n`,
    );
    return 0;
  },

  async log({ workspaceRoot, stageName, values, io }) {
    const stage = findPullStage(workspaceRoot, stageName);
    const entries = readChangelog(`${workspaceRoot}/${stage.root}/${CHANGELOG_FILE}`);
    if (values.json) {
      io.stdout(stableStringify(entries));
      return 0;
    }
    if (entries.length === 0) io.stdout(`${stage.project} has no changelog entries yet (\`nx run ${stage.project}:lock --message "…"\` writes them)\n`);
    for (const entry of [...entries].reverse()) {
      io.stdout(
        `${entry.date}  lock ${entry.lockSha256.slice(0, 12)}  ${entry.author}\n  ${entry.message.split('\n').join('\n  ')}\n${entry.summary.map((line) => `  - ${line}\n`).join('')}\n`,
      );
    }
    return 0;
  },
};
