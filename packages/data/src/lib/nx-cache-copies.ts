import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/**
 * Nx's local cache folder, found the way Nx finds it: `NX_CACHE_DIRECTORY`, else nx.json's
 * `cacheDirectory`, else `.nx/cache`; a relative path is from the workspace root.
 */
export function nxCacheDirectory(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env['NX_CACHE_DIRECTORY'] || nxJsonCacheDirectory(workspaceRoot) || join('.nx', 'cache');
  return isAbsolute(configured) ? configured : join(workspaceRoot, configured);
}

function nxJsonCacheDirectory(workspaceRoot: string): string | undefined {
  try {
    const value = JSON.parse(readFileSync(join(workspaceRoot, 'nx.json'), 'utf8')).cacheDirectory;
    return typeof value === 'string' && value ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The copies of a workspace folder (e.g. a stage's `out/`) that Nx's local cache holds: Nx
 * keeps each cached task result as `<cache>/<task hash>/<output path>`, so every earlier
 * result of the stage is one folder here. Missing cache: none.
 */
export function nxCachedCopies(cacheDir: string, workspaceRelativeDir: string): string[] {
  if (!existsSync(cacheDir)) return [];
  return readdirSync(cacheDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(cacheDir, entry.name, workspaceRelativeDir))
    .filter((dir) => existsSync(dir))
    .sort();
}
