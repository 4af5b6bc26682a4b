import { existsSync, realpathSync } from 'node:fs';
import { copyFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { ConfigError, DataError, sha256OfFile } from '@reproml/core';
import type { DatasetSource, OpenSourceParams } from './dataset-source';

export interface LocalSourceLocation {
  stage: string;
  file: string;
  field: string;
}

/**
 * Resolves a workspace-relative source path, refusing paths that leave the workspace, by
 * their text or through a symbolic link (of the file or of a folder on the way): a link to
 * /etc/passwd or ~/.ssh would otherwise be pulled, profiled and copied into `out/`.
 */
export function resolveLocalSource(workspaceRoot: string, source: string, location: LocalSourceLocation): string {
  const absolute = resolve(workspaceRoot, source);
  const inside = relative(workspaceRoot, absolute);
  if (isAbsolute(source) || inside.startsWith('..')) {
    throw new ConfigError(`Source '${source}' is outside the workspace`, {
      ...location,
      hint: 'Local sources are paths relative to the workspace root, so that every clone reads the same file.',
    });
  }
  if (!existsSync(absolute)) {
    throw new DataError(`Source file '${source}' does not exist`, {
      ...location,
      hint: 'Check the path (relative to the workspace root) or restore the file from git.',
    });
  }
  const real = realpathSync(absolute);
  if (!isInside(realpathSync(workspaceRoot), real)) {
    throw new ConfigError(`Source '${source}' is a link to ${real}, outside the workspace`, {
      ...location,
      hint: 'Copy the file into the workspace (and commit it), so that every clone reads the same bytes; a link out of the workspace is never followed.',
    });
  }
  return absolute;
}

function isInside(root: string, path: string): boolean {
  const inside = relative(root, path);
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside);
}

export interface LocalFileDigest {
  sha256: string;
  size: number;
}

export async function digestLocalFile(absolutePath: string): Promise<LocalFileDigest> {
  return { sha256: await sha256OfFile(absolutePath), size: (await stat(absolutePath)).size };
}

export async function copyLocalFile(absoluteSource: string, destination: string): Promise<void> {
  await copyFile(absoluteSource, destination);
}

/**
 * A file in the workspace: git versions it, so it has no revision of its own and needs no
 * store; `run` reads it in place and checks its sha256 against the lock.
 */
export function localSource(params: OpenSourceParams): DatasetSource {
  const { source, context } = params;
  return {
    kind: 'local',
    resolve: async () => ({ revision: null }),
    materialize: async () => {
      const path = resolveLocalSource(context.workspaceRoot, source, context.location);
      return { path, ...(await digestLocalFile(path)) };
    },
  };
}
