import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@reproml/core';
import { parse, stringify } from 'yaml';

interface PnpmLockfile {
  lockfileVersion: string;
  importers: Record<string, { dependencies?: Record<string, { specifier: string; version: string }> }>;
  packages: Record<string, unknown>;
  snapshots: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }>;
}

/**
 * The packaged folder's pnpm-lock.yaml: the exact versions (and integrity hashes) the
 * workspace's own lockfile resolved for `dependencies` and everything they pull in, so the
 * deployed server runs what the workspace tested, and `pnpm install --frozen-lockfile
 * --offline` installs it from a local store.
 */
export async function packagedLockfile(params: { workspaceRoot: string; dependencies: readonly string[]; importer: string }): Promise<{
  text: string;
  versions: Record<string, string>;
}> {
  const file = join(params.workspaceRoot, 'pnpm-lock.yaml');
  const lock = parse(await readFile(file, 'utf8')) as PnpmLockfile;
  const importer = lock.importers[params.importer]?.dependencies ?? {};
  const versions: Record<string, string> = {};
  const snapshots: PnpmLockfile['snapshots'] = {};
  const packages: PnpmLockfile['packages'] = {};
  const visit = (name: string, version: string) => {
    const key = `${name}@${version}`;
    if (snapshots[key]) return;
    const snapshot = lock.snapshots[key];
    const packageKey = `${name}@${version.replace(/\(.*$/, '')}`;
    if (!snapshot || !lock.packages[packageKey])
      throw new ConfigError(`${file} has no entry for ${key}`, { file, hint: 'Run pnpm install in the workspace first.' });
    snapshots[key] = snapshot;
    packages[packageKey] = lock.packages[packageKey];
    for (const [dependency, dependencyVersion] of Object.entries({ ...snapshot.dependencies, ...snapshot.optionalDependencies }))
      visit(dependency, dependencyVersion);
  };
  for (const name of params.dependencies) {
    const entry = importer[name];
    if (!entry) throw new ConfigError(`${file} does not list ${name} for ${params.importer}`, { file, hint: 'Run pnpm install in the workspace first.' });
    versions[name] = entry.version.replace(/\(.*$/, '');
    visit(name, entry.version);
  }
  const sorted = <T>(record: Record<string, T>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  const packaged = {
    lockfileVersion: lock.lockfileVersion,
    settings: { autoInstallPeers: true, excludeLinksFromLockfile: false },
    importers: { '.': { dependencies: Object.fromEntries(Object.entries(versions).map(([name, version]) => [name, { specifier: version, version }])) } },
    packages: sorted(packages),
    snapshots: sorted(snapshots),
  };
  return { text: stringify(packaged, { lineWidth: 0 }), versions };
}
