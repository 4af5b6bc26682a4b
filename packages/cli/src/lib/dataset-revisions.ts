import { spawnSync } from 'node:child_process';
import { ConfigError } from '@reproml/core';
import { LOCK_FILE_NAME, resolveCommit } from '@reproml/data';
import type { StageLocation } from './stage-layout';

/** Git tags that name dataset versions: `data/<project>/<name>`. */
export function datasetTagName(stage: StageLocation, name: string): string {
  return `data/${stage.project}/${name}`;
}

/** A revision the user gave: a dataset tag of this stage first, then any git revision. */
export function resolveDatasetRevision(workspaceRoot: string, stage: StageLocation, revision: string): string {
  const tag = spawnSync('git', ['rev-parse', '--verify', '--quiet', `refs/tags/${datasetTagName(stage, revision)}^{commit}`], {
    cwd: workspaceRoot,
    encoding: 'utf8',
  });
  if (tag.status === 0) return tag.stdout.trim();
  return resolveCommit(workspaceRoot, revision, { stage: stage.project });
}

/** Commits that changed the stage's lock, newest first (up to `limit`). */
export function lockHistory(workspaceRoot: string, stage: StageLocation, limit: number, revision = 'HEAD'): string[] {
  const result = spawnSync('git', ['log', `-${limit}`, '--format=%H', revision, '--', `${stage.root}/${LOCK_FILE_NAME}`], {
    cwd: workspaceRoot,
    encoding: 'utf8',
  });
  return result.status === 0 ? result.stdout.split('\n').filter(Boolean) : [];
}

/** The two revisions `data diff` compares when the user names fewer than two. */
export function defaultDiffRevisions(workspaceRoot: string, stage: StageLocation, given: string[]): [string, string] {
  const [first, second] = given;
  if (first !== undefined) return [first, second ?? 'HEAD'];
  const history = lockHistory(workspaceRoot, stage, 2);
  if (history.length < 2) {
    throw new ConfigError(`${stage.project}'s lock has ${history.length ? 'one committed version' : 'no committed version'}: nothing to compare`, {
      stage: stage.project,
      file: `${stage.root}/${LOCK_FILE_NAME}`,
      hint: 'Name two revisions: `reproml data diff <stage> <rev-a> [<rev-b>]`.',
    });
  }
  return [history[1]!, history[0]!];
}
