import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** One entry under `models/` of a registry folder, as found on disk. */
export interface FoundVersionEntry {
  /** Registry-relative path, e.g. `models/penguins/versions/2`. */
  path: string;
  model: string;
  /** The folder name; a version when it is a positive integer. */
  name: string;
  type: 'folder' | 'symlink' | 'other';
  /** Symbolic links directly inside a version folder or its files/ folder (relative names), e.g. `files` or `files/model.onnx`. */
  linksInside?: string[];
}

/**
 * Every entry of `models/<name>/versions/` (and anything in the way: a symlinked `models`
 * or model folder is reported as one entry). Nothing is followed through a symlink.
 */
export function scanVersionFolders(root: string): FoundVersionEntry[] {
  const found: FoundVersionEntry[] = [];
  const modelsDir = join(root, 'models');
  const top = typeOf(modelsDir);
  if (top === undefined) return found;
  if (top !== 'folder') return [{ path: 'models', model: '', name: '', type: top }];
  for (const model of readdirSync(modelsDir).sort()) {
    const modelType = typeOf(join(modelsDir, model));
    if (modelType !== 'folder') {
      found.push({ path: `models/${model}`, model, name: '', type: modelType ?? 'other' });
      continue;
    }
    const versionsDir = join(modelsDir, model, 'versions');
    const versionsType = typeOf(versionsDir);
    if (versionsType === undefined) continue;
    if (versionsType !== 'folder') {
      found.push({ path: `models/${model}/versions`, model, name: '', type: versionsType });
      continue;
    }
    for (const name of readdirSync(versionsDir).sort()) {
      // Temp siblings of a version being written (or left by a killed push) are not versions.
      if (/^\.\d+\.(?:building|previous|tmp)-\d+-[0-9a-f]+$/.test(name)) continue;
      const type = typeOf(join(versionsDir, name)) ?? 'other';
      found.push({ path: `models/${model}/versions/${name}`, model, name, type, linksInside: type === 'folder' ? linksInside(join(versionsDir, name)) : [] });
    }
  }
  return found;
}

/** Links among a version folder's entries and its files/ folder's entries (no link is ever written there). */
function linksInside(versionDir: string): string[] {
  const links: string[] = [];
  for (const entry of readdirSync(versionDir, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) links.push(entry.name);
    else if (entry.name === 'files' && entry.isDirectory()) {
      for (const file of readdirSync(join(versionDir, 'files'), { withFileTypes: true })) if (file.isSymbolicLink()) links.push(`files/${file.name}`);
    }
  }
  return links.sort();
}

function typeOf(path: string): FoundVersionEntry['type'] | undefined {
  try {
    const stat = lstatSync(path);
    return stat.isSymbolicLink() ? 'symlink' : stat.isDirectory() ? 'folder' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export interface FolderCheckParams {
  found: readonly FoundVersionEntry[];
  /** model → versions its log registers. */
  registered: ReadonlyMap<string, ReadonlySet<number>>;
  /** A version being written (or left by a crash) before its register event: not an error. */
  pending: { model: string; version: number } | null;
}

/**
 * What is wrong between the version folders on disk and the versions the log registers
 * (pure): a folder no event references (its event was removed, or it was copied in), a
 * registered version without a folder, and symlinks or files where folders belong.
 */
export function versionFolderProblems(params: FolderCheckParams): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const entry of params.found) {
    if (entry.type === 'symlink') {
      problems.push(`${entry.path} is a symbolic link (registry folders are never links: a link can point the registry at files it never checked)`);
      continue;
    }
    if (entry.name === '' || entry.type !== 'folder') {
      problems.push(`${entry.path} is not a folder`);
      continue;
    }
    const version = /^[1-9]\d*$/.test(entry.name) ? Number(entry.name) : undefined;
    if (version === undefined) {
      problems.push(`${entry.path} is not a version folder (its name is not a version number)`);
      continue;
    }
    seen.add(`${entry.model}/${version}`);
    for (const link of entry.linksInside ?? [])
      problems.push(`${entry.path}/${link} is a symbolic link (version files are copies; a link can change what the version serves)`);
    if (params.registered.get(entry.model)?.has(version)) continue;
    if (params.pending && params.pending.model === entry.model && params.pending.version === version) continue;
    problems.push(`${entry.path} is not registered by any event of audit.log (its register event was removed, or the folder was copied in by hand)`);
  }
  for (const [model, versions] of params.registered) {
    for (const version of versions) {
      if (!seen.has(`${model}/${version}`)) problems.push(`models/${model}/versions/${version} is registered in audit.log but missing`);
    }
  }
  return problems;
}
