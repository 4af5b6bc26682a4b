import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { logger, type Tree } from '@nx/devkit';
import { ConfigError, sha256OfBytes } from '@reproml/core';
import {
  ContentStore,
  type DatasetFileSpec,
  type DatasetFormat,
  datasetFormatSchema,
  formatFromExtension,
  isHubSource,
  isUrlSource,
  type LockedFile,
  lockDatasetFile,
  sourceEnvironmentFromEnv,
} from '@reproml/data';

export interface DataSourceOptions {
  /** Workspace-relative path, https:// URL, or hf://datasets/<namespace>/<name>/<path-in-repo>. */
  data: string;
  format?: DatasetFormat;
  /** hf:// only: branch, tag or commit. */
  revision?: string;
}

export interface DataSourceBytes {
  /** The pull stage's `files.<key>` entry. */
  spec: DatasetFileSpec;
  /** Its lock entry, as `nx run <pipeline>-data:lock` writes it. */
  entry: LockedFile;
  format: DatasetFormat;
  bytes: Buffer;
}

/** Where the pull stage of the generated pipeline lives, for messages. */
export interface PullLocation {
  stage: string;
  file: string;
}

/**
 * The bytes the generated pull stage will lock, and its lock entry. A local file is read
 * from the Tree (so --dry-run touches nothing); an https:// or hf:// source is resolved and
 * downloaded into the store by the pull stage's own code (`lockDatasetFile`: the same
 * sources, transport policy, HF_ENDPOINT/HF_TOKEN and store as `nx run <stage>:lock`).
 */
export async function readDataSource(tree: Tree, options: DataSourceOptions, key: string, location: PullLocation): Promise<DataSourceBytes> {
  const spec: DatasetFileSpec = {
    source: options.data,
    ...(options.revision ? { revision: options.revision } : {}),
  };
  if (!isRemoteSource(options.data)) checkLocalPath(tree, options);
  const format = formatOf(options);
  spec.format = format;
  if (!isRemoteSource(options.data)) {
    const bytes = tree.read(options.data)!;
    return { spec, format, bytes, entry: { source: spec.source, revision: null, sha256: sha256OfBytes(bytes), size: bytes.length, format } };
  }
  const environment = sourceEnvironmentFromEnv();
  const warn = (message: string) => logger.warn(`warning: ${message}`);
  logger.info(`Locking ${options.data}${options.revision ? ` at ${options.revision}` : ''} (into the store at ${environment.storeDir})...`);
  const locked = await lockDatasetFile({
    key,
    spec,
    workspaceRoot: tree.root,
    environment,
    store: new ContentStore(environment.storeDir, warn),
    location,
    warn,
  });
  return { spec, format, entry: locked.entry, bytes: await readFile(locked.path) };
}

export function isRemoteSource(data: string): boolean {
  return isUrlSource(data) || isHubSource(data);
}

/** The data file's name: the last part of a path, URL path or hf:// path. */
export function sourceFileName(data: string): string {
  const path = isUrlSource(data) ? new URL(data).pathname : data;
  return posix.basename(path);
}

function formatOf(options: DataSourceOptions): DatasetFormat {
  const format = options.format ?? formatFromExtension(sourceFileName(options.data));
  if (format) return format;
  throw new ConfigError(`Cannot tell the format of ${options.data} from its extension`, {
    field: 'format',
    hint: `Pass --format ${datasetFormatSchema.options.join('|')}, or rename the file to one of those extensions.`,
  });
}

function checkLocalPath(tree: Tree, options: DataSourceOptions): void {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(options.data)) {
    throw new ConfigError(`--data ${options.data}: only https:// URLs, hf://datasets/… files and workspace paths are data sources`, {
      field: 'data',
      hint: 'Pass an https:// URL, hf://datasets/<namespace>/<name>/<path-in-repo>, or the workspace-relative path of a file.',
    });
  }
  if (options.revision) {
    throw new ConfigError('--revision applies to hf:// sources only', { field: 'revision', hint: 'Remove --revision for a local file.' });
  }
  if (posix.isAbsolute(options.data) || posix.normalize(options.data).startsWith('..')) {
    throw new ConfigError(`--data ${options.data} is not a path inside the workspace`, {
      field: 'data',
      hint: 'Pass the path relative to the workspace root, e.g. data/houses.csv.',
    });
  }
  if (!tree.exists(options.data) || tree.isFile(options.data) === false) {
    throw new ConfigError(`--data ${options.data} does not exist`, {
      field: 'data',
      hint: 'Pass the workspace-relative path of a csv, tsv, json, jsonl or parquet file.',
    });
  }
}
