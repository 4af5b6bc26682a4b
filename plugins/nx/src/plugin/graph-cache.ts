import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { type GraphInputs, graphInputsUnchanged, recordGraphInputs } from './graph-inputs';

// The plugin's graph-time results (createNodes, createDependencies) kept in a file in Nx's
// workspace data folder, so a command whose graph inputs did not change answers without loading
// zod or any kind (building the kinds' zod schemas is most of the plugin's cost per command).
// Light on purpose: node builtins, the compile stamps and the recorded inputs only.
//
// An entry holds the result with
//   - a key: the plugin's folder, the compile stamps of every workspace package (the plugin,
//     core and each built-in kind's package: their sources' sha256, tools/compile-packages.cjs),
//     Nx's version, the plugin options from nx.json, for each module of the `kinds` option the
//     size and mtime of every file of its package, the workspace's package list files, and the
//     call's own arguments (the stage files, or the projects' names and roots);
//   - the inputs the computation recorded (graph-inputs.ts): the bytes of every stage file it
//     read and the existence of every path it checked (local dataset sources, upstream stage
//     files), each checked again before the entry is used;
//   - the warnings it printed (an invalid stage file), printed again on a hit.
// A computation that throws is not kept (the next command computes, and throws, again).

interface Entry<T> {
  key: string;
  inputs: GraphInputs;
  warnings: string[];
  value: T;
}

const FORMAT = 1;

/** `compute`'s result, from the cache file when its key and recorded inputs still match; `warn` prints a recorded warning again. */
export async function cachedGraphResult<T>(params: {
  /** createNodes, createDependencies, and the stages' git pathspecs for recording restores (record-cache-restores.ts). */
  name: 'create-nodes' | 'create-dependencies' | 'stage-chains';
  workspaceRoot: string;
  keyParts: unknown;
  compute: () => Promise<T>;
  warn: (message: string) => void;
}): Promise<T> {
  const file = cacheFile(params.workspaceRoot, params.name);
  const key = sha256(JSON.stringify([FORMAT, params.keyParts]));
  const cached = readEntry<T>(file);
  if (cached?.key === key && graphInputsUnchanged(cached.inputs)) {
    for (const warning of cached.warnings) params.warn(warning);
    return cached.value;
  }
  const { value, inputs, warnings } = await recordGraphInputs(params.compute);
  writeEntry(file, { key, inputs, warnings, value });
  return value;
}

/** The folder of the plugin package (`plugins/nx`), from this file's place in its sources or in its dist/. */
const PLUGIN_DIR = __dirname.replace(/[\\/](?:dist[\\/])?src[\\/]plugin$/, '');

/** What every graph-time key of this plugin shares (commonKeyParts of this plugin's checkout). */
export function pluginKeyParts(workspaceRoot: string, options: unknown, kindModules: readonly string[]): unknown {
  return commonKeyParts(workspaceRoot, PLUGIN_DIR, options, kindModules);
}

/** What every graph-time key shares: the code that computes, the options, the kind modules and the workspace's package list. */
export function commonKeyParts(workspaceRoot: string, pluginDir: string, options: unknown, kindModules: readonly string[]): unknown {
  return {
    workspaceRoot,
    pluginDir,
    code: compileStamps(workspaceOfPlugin(pluginDir)),
    nx: nxVersion(),
    options: options ?? null,
    kinds: kindModules.map((module) => kindModuleSignature(workspaceRoot, module)),
    packageLists: ['pnpm-workspace.yaml', 'package.json'].map((name) => fileHash(join(workspaceRoot, name))),
  };
}

function cacheFile(workspaceRoot: string, name: string): string {
  const configured = process.env['NX_WORKSPACE_DATA_DIRECTORY'] ?? process.env['NX_PROJECT_GRAPH_CACHE_DIRECTORY'];
  const dir = configured ? (isAbsolute(configured) ? configured : resolve(workspaceRoot, configured)) : join(workspaceRoot, '.nx', 'workspace-data');
  return join(dir, `reproml-${name}.json`);
}

function readEntry<T>(file: string): Entry<T> | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Entry<T>;
  } catch {
    return undefined;
  }
}

/** Written by rename: a concurrent reader sees the old entry or the new one, never half of one. */
function writeEntry<T>(file: string, entry: Entry<T>): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(temp, JSON.stringify(entry));
    renameSync(temp, file);
  } catch {
    // A cache that cannot be written costs the next command its computation, nothing else.
  }
}

/** `<root>/plugins/nx` → `<root>`: where the compiled packages of this plugin's checkout live. */
function workspaceOfPlugin(pluginDir: string): string {
  return resolve(pluginDir, '..', '..');
}

/** The sha256 stamp of every compiled package of the checkout (`<package>/dist/.source-hash`), by folder. */
function compileStamps(checkout: string): Record<string, string | null> {
  const stamps: Record<string, string | null> = {};
  for (const group of ['packages', 'plugins']) {
    let names: string[];
    try {
      names = readdirSync(join(checkout, group)).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      try {
        stamps[`${group}/${name}`] = (JSON.parse(readFileSync(join(checkout, group, name, 'dist', '.source-hash'), 'utf8')) as { hash: string }).hash;
      } catch {
        stamps[`${group}/${name}`] = null;
      }
    }
  }
  return stamps;
}

function nxVersion(): string | null {
  try {
    return (require('nx/package.json') as { version: string }).version;
  } catch {
    return null;
  }
}

/** A registered kind module: where it resolves and the size and mtime of every file of its package (its code may change without its name changing). */
export function kindModuleSignature(workspaceRoot: string, module: string): unknown {
  let path: string;
  try {
    const request = module.startsWith('.') || isAbsolute(module) ? resolve(workspaceRoot, module) : module;
    path = require.resolve(request, { paths: [workspaceRoot] });
  } catch {
    return { module, unresolved: Math.random() }; // never a hit: the computation reports it
  }
  const dir = packageDirOf(path);
  return { module, path, files: fileStats(dir) };
}

function packageDirOf(file: string): string {
  let dir = dirname(file);
  for (;;) {
    try {
      statSync(join(dir, 'package.json'));
      return dir;
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return dirname(file);
      dir = parent;
    }
  }
}

function fileStats(dir: string, prefix = ''): string[] {
  const lines: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) lines.push(...fileStats(path, `${prefix}${entry.name}/`));
    else {
      const stats = statSync(path);
      lines.push(`${prefix}${entry.name}:${stats.size}:${stats.mtimeMs}`);
    }
  }
  return lines;
}

function fileHash(path: string): string | null {
  try {
    return sha256(readFileSync(path));
  } catch {
    return null;
  }
}

function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}
