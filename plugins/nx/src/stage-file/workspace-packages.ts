import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const cached = new Map<string, ReadonlyMap<string, string>>();

/**
 * The packages whose code lives in a workspace, by name → workspace-relative folder: the
 * folders the pnpm workspace (`pnpm-workspace.yaml`) or npm/yarn workspaces (`package.json`)
 * name, with `<dir>/*` patterns. Read from the workspace itself, not from where the plugin
 * resolves them: a scratch copy (`reproml verify`) links node_modules to the original
 * checkout, and its own copies are what its tasks must hash.
 */
export function workspacePackages(workspaceRoot: string): ReadonlyMap<string, string> {
  let packages = cached.get(workspaceRoot);
  if (!packages) {
    const found = new Map<string, string>();
    for (const pattern of workspacePatterns(workspaceRoot)) {
      const dirs = pattern.endsWith('/*') ? subfolders(workspaceRoot, pattern.slice(0, -2)) : [pattern];
      for (const dir of dirs) {
        const manifest = join(workspaceRoot, dir, 'package.json');
        if (!existsSync(manifest)) continue;
        const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
        if (name && !found.has(name)) found.set(name, dir);
      }
    }
    packages = found;
    cached.set(workspaceRoot, packages);
  }
  return packages;
}

function workspacePatterns(workspaceRoot: string): string[] {
  const patterns: string[] = [];
  const pnpm = join(workspaceRoot, 'pnpm-workspace.yaml');
  if (existsSync(pnpm)) {
    let inPackages = false;
    for (const line of readFileSync(pnpm, 'utf8').split('\n')) {
      if (/^packages:\s*$/.test(line)) inPackages = true;
      else if (/^\S/.test(line)) inPackages = false;
      else if (inPackages) {
        const entry = /^\s+-\s+["']?([^"'#\s]+)["']?/.exec(line);
        if (entry) patterns.push(entry[1]!);
      }
    }
  }
  const manifest = join(workspaceRoot, 'package.json');
  if (existsSync(manifest)) {
    const { workspaces } = JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: string[] | { packages?: string[] } };
    patterns.push(...(Array.isArray(workspaces) ? workspaces : (workspaces?.packages ?? [])));
  }
  return patterns.map((pattern) => pattern.replace(/^\.\//, '').replace(/\/$/, '')).filter((pattern) => !pattern.startsWith('!'));
}

function subfolders(workspaceRoot: string, dir: string): string[] {
  const absolute = join(workspaceRoot, dir);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `${dir}/${entry.name}`)
    .sort();
}
