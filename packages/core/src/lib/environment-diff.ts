import type { Environment } from './lineage-record';

export interface EnvironmentChange {
  /** `node`, `platform`, `arch`, `lockfile` or `package <name>`. */
  what: string;
  recorded: string | null;
  current: string | null;
}

/** What differs between the environment that produced an artifact and this one. */
export function diffEnvironment(recorded: Environment, current: Environment): EnvironmentChange[] {
  const changes: EnvironmentChange[] = [];
  const compare = (what: string, a: string | null | undefined, b: string | null | undefined): void => {
    if ((a ?? null) !== (b ?? null)) changes.push({ what, recorded: a ?? null, current: b ?? null });
  };
  compare('node', recorded.node, current.node);
  compare('platform', recorded.platform, current.platform);
  compare('arch', recorded.arch, current.arch);
  compare('lockfile', recorded.lockfileSha256, current.lockfileSha256);
  for (const name of [...new Set([...Object.keys(recorded.packages), ...Object.keys(current.packages)])].sort()) {
    compare(`package ${name}`, recorded.packages[name], current.packages[name]);
  }
  return changes;
}

/** One line per change, e.g. `node v20.1.0 → v20.20.2`. */
export function describeEnvironmentChanges(changes: readonly EnvironmentChange[]): string[] {
  return changes.map((change) => {
    const short = (value: string | null) => (value === null ? 'none' : change.what === 'lockfile' ? value.slice(0, 12) : value);
    return `${change.what} ${short(change.recorded)} → ${short(change.current)}`;
  });
}
