import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface TrackingLocationParams {
  workspaceRoot: string;
  env?: NodeJS.ProcessEnv;
}

/** Where a run store lives: a SQLite file on this machine, or a PostgreSQL database shared by a team. */
export type TrackingLocation = { engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string };

/**
 * The run store a workspace records into and reads from. `REPROML_TRACKING_URL=postgres://…`
 * names a PostgreSQL database (one database per repository, shared by every clone, machine
 * and CI runner that has the URL). Without it, a SQLite file outside the workspace (see
 * `trackingDatabasePath`).
 */
export function trackingLocation(params: TrackingLocationParams): TrackingLocation {
  const env = params.env ?? process.env;
  if (env.REPROML_TRACKING_URL) return parseTrackingLocation(env.REPROML_TRACKING_URL, params.workspaceRoot);
  return { engine: 'sqlite', path: trackingDatabasePath(params) };
}

/** `postgres://…` / `postgresql://…` is a PostgreSQL database; anything else a SQLite file (`sqlite:` prefix optional). */
export function parseTrackingLocation(text: string, base: string): TrackingLocation {
  if (/^postgres(ql)?:\/\//i.test(text)) return { engine: 'postgres', url: text };
  return { engine: 'sqlite', path: resolve(base, text.replace(/^sqlite:/i, '')) };
}

/** The location as it may be printed: a PostgreSQL URL without its password. */
export function describeTrackingLocation(location: TrackingLocation): string {
  if (location.engine === 'sqlite') return location.path;
  try {
    const url = new URL(location.url);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return location.url.replace(/:[^:@/]*@/, ':***@');
  }
}

/**
 * Where a workspace's SQLite run store lives. Outside the workspace (so it is never hashed,
 * cached or removed with a clone) and shared by every clone of the same repository on the
 * machine: the file is named after the repository's root commit, which all clones have.
 *
 * `REPROML_TRACKING_DB` names the file; `REPROML_TRACKING_DIR` the folder (default
 * `$XDG_DATA_HOME/reproml/tracking`, else `~/.local/share/reproml/tracking`).
 */
export function trackingDatabasePath(params: TrackingLocationParams): string {
  const env = params.env ?? process.env;
  if (env.REPROML_TRACKING_DB) return resolve(params.workspaceRoot, env.REPROML_TRACKING_DB);
  const dataHome = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  const dir = env.REPROML_TRACKING_DIR ? resolve(params.workspaceRoot, env.REPROML_TRACKING_DIR) : join(dataHome, 'reproml', 'tracking');
  return join(dir, `${workspaceKey(params.workspaceRoot)}.sqlite`);
}

/** True unless recording is switched off with `REPROML_TRACKING=off` (or `0`, `false`). */
export function trackingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !['off', '0', 'false'].includes((env.REPROML_TRACKING ?? '').toLowerCase());
}

/** The repository's first root commit; outside git, a hash of the folder path. */
export function workspaceKey(workspaceRoot: string): string {
  const roots = spawnSync('git', ['rev-list', '--max-parents=0', 'HEAD'], { cwd: workspaceRoot, encoding: 'utf8' });
  const root = roots.status === 0 ? roots.stdout.split('\n').filter(Boolean).sort()[0] : undefined;
  if (root) return `git-${root.slice(0, 16)}`;
  return `dir-${createHash('sha256').update(resolve(workspaceRoot)).digest('hex').slice(0, 16)}`;
}
