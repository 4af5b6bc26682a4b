import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, IntegrityError, type StageContext, stableStringify, writeFileAtomic, writeStageOutput } from '@reproml/core';
import { ContentStore } from './content-store';
import type { DatasetLock, LockedFile } from './dataset-lock';
import { type DatasetSource, openSource } from './dataset-source';
import { type FileValidationReport, inspectDatasetFile } from './inspect-dataset-file';
import { assertLockMatchesConfig } from './lock-entries';
import { PROFILE_SCHEMA_VERSION, profileOutput, type TableProfile } from './profile-document';
import type { PullStageConfig } from './pull-stage-config';
import { type SourceEnvironment, sourceEnvironmentFromEnv } from './source-environment';

export const VALIDATION_FILE = 'validation.json';
export const PROFILE_FILE = profileOutput.file;

export interface RunPullParams {
  context: StageContext;
  config: PullStageConfig;
  lock: DatasetLock;
  /** Workspace-relative paths, for messages. */
  stageFile: string;
  lockFile: string;
  /** Hub endpoint, token, store and network settings. Default: from process.env. */
  environment?: SourceEnvironment;
}

/**
 * Fetches exactly the bytes the lock names into the stage's output folder (never floating to
 * a newer revision), then reads each file, checks it against its schema and profiles it.
 * Writes out/<key>.<format>, out/validation.json and out/profile.json, or fails.
 */
export async function runPull(params: RunPullParams): Promise<void> {
  const { context, config, lock } = params;
  const stage = context.stage.name;
  assertLockMatchesConfig(config, lock, { stage, lockFile: params.lockFile });
  const environment = params.environment ?? sourceEnvironmentFromEnv();
  const store = new ContentStore(environment.storeDir, context.warn);
  const keys = Object.keys(config.files).sort();
  const validation: Record<string, FileValidationReport> = {};
  const profiles: Record<string, TableProfile> = {};

  for (const [index, key] of keys.entries()) {
    const locked = lock.files[key]!;
    const spec = config.files[key]!;
    context.progress({
      type: 'phase',
      phase: `pull ${key}`,
      detail: `${locked.source}${locked.revision ? `@${locked.revision.slice(0, 12)}` : ''} (${index + 1}/${keys.length})`,
    });
    const source = openSource({
      source: locked.source,
      revision: spec.revision,
      context: {
        workspaceRoot: context.workspaceRoot,
        environment,
        store,
        progress: context.progress,
        warn: context.warn,
        location: { stage, file: params.stageFile, field: `files.${key}.source` },
      },
    });
    const fetched = await source.materialize({ revision: locked.revision, expectedSha256: locked.sha256 });
    if (fetched.sha256 !== locked.sha256) throw mismatchError({ key, locked, actual: fetched, source, stage, lockFile: params.lockFile });
    if (source.kind === 'local') await context.recordInput(fetched.path, 'source');
    const output = join(context.outDir, `${key}.${locked.format}`);
    await copyFile(fetched.path, output);

    const schema = spec.schema ?? config.schema;
    const inspected = await inspectDatasetFile({
      data: { path: output },
      format: locked.format,
      source: locked.source,
      spec,
      schema,
      file: `${key} (${locked.source})`,
    });
    const { profile } = inspected;
    if (profile.rows === 0) throw noRowsError({ key, source: locked.source, stage, columns: profile.columns.length });
    validation[key] = inspected.validation;
    profiles[key] = inspected.profile;
    context.log(describeProfile(key, profiles[key]!));
    for (const name of validation[key]!.extraColumns ?? []) {
      if (schema?.extraColumns === 'warn') context.warn(`${key}: column '${name}' is not declared in the schema`);
    }
  }

  const report = { schemaVersion: 1, valid: Object.values(validation).every((file) => file.valid !== false), files: validation };
  if (!report.valid) {
    const saved = join(context.workspaceRoot, '.reproml', 'runs', stage, VALIDATION_FILE);
    await writeFileAtomic(saved, stableStringify(report));
    throw validationError({ validation, stage, stageFile: params.stageFile, savedReport: saved });
  }
  await writeFileAtomic(join(context.outDir, VALIDATION_FILE), stableStringify(report));
  await writeStageOutput(profileOutput, context.outDir, { schemaVersion: PROFILE_SCHEMA_VERSION, files: profiles }, { stage, file: PROFILE_FILE });
  context.summarize({
    files: keys.map((key) => ({
      key,
      source: lock.files[key]!.source,
      revision: lock.files[key]!.revision,
      sha256: lock.files[key]!.sha256,
      size: lock.files[key]!.size,
      rows: profiles[key]!.rows,
      columns: profiles[key]!.columns.length,
    })),
  });
}

/** One line for the log: rows, columns, and the columns that have missing values. */
export function describeProfile(key: string, profile: TableProfile): string {
  const withNulls = profile.columns.filter((column) => column.nulls > 0).map((column) => `${column.name} ${(column.nullFraction * 100).toFixed(1)}%`);
  return `${key}: ${profile.rows} rows × ${profile.columns.length} columns; missing: ${withNulls.length ? withNulls.join(', ') : 'none'}`;
}

interface MismatchParams {
  key: string;
  locked: LockedFile;
  actual: { sha256: string; size: number };
  source: DatasetSource;
  stage: string;
  lockFile: string;
}

function mismatchError(params: MismatchParams): IntegrityError {
  const { key, locked, actual, source, stage, lockFile } = params;
  const restore =
    source.kind === 'local'
      ? `otherwise restore '${locked.source}' (e.g. \`git checkout -- ${locked.source}\`)`
      : source.kind === 'hub'
        ? 'otherwise the revision was rewritten on the Hub: report it to the dataset owner'
        : 'otherwise the server changed the file: pin a URL that does not change (e.g. one with a version in it)';
  return new IntegrityError(
    `'${locked.source}' does not match its lock: expected sha256 ${locked.sha256} (${locked.size} bytes), got ${actual.sha256} (${actual.size} bytes)`,
    {
      stage,
      file: lockFile,
      field: `files.${key}.sha256`,
      hint: `If the new data is intended, run \`nx run ${stage}:lock\` and commit ${lockFile}; ${restore}.`,
    },
  );
}

function validationError(params: { validation: Record<string, FileValidationReport>; stage: string; stageFile: string; savedReport: string }): DataError {
  const lines: string[] = [];
  for (const [key, file] of Object.entries(params.validation)) {
    for (const violation of file.violations ?? []) {
      const examples = violation.examples.length
        ? `; e.g. ${violation.examples.map((value) => JSON.stringify(value)).join(', ')} (row ${violation.exampleRows.join(', ')})`
        : '';
      const rows = violation.rows ? `: ${violation.rows} of ${file.rows} row(s)` : '';
      lines.push(`  ${key} (${file.source}): ${violation.message}${rows}${examples}`);
    }
  }
  return new DataError(`Data breaks the schema declared in ${params.stageFile}:\n${lines.join('\n')}`, {
    stage: params.stage,
    file: params.stageFile,
    field: 'schema',
    hint: `Fix the data (then \`nx run ${params.stage}:lock\`), or widen the schema if the data is right. Full report: ${params.savedReport}`,
  });
}

/** A header with no rows: every later stage would fail on it, so the pull says so at the source. */
function noRowsError(params: { key: string; source: string; stage: string; columns: number }): DataError {
  return new DataError(`${params.key} (${params.source}) has a header (${params.columns} column(s)) but no rows`, {
    stage: params.stage,
    file: params.source,
    field: `files.${params.key}`,
    hint: 'Check that the source points at the right file and revision; an export that selected nothing writes only the header.',
  });
}
