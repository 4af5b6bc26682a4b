import { resolve, sep } from 'node:path';
import { realPathOf } from './real-path';

/**
 * A file or folder a stage may read in strict mode. A folder can narrow what inside it is
 * readable, with the same rules the plugin turns into the `run` target's input globs, so
 * what a stage may read is exactly what Nx hashes.
 */
export interface ReadScope {
  /** Absolute file or folder. */
  path: string;
  /** Only files whose names end with one of these (e.g. `.ts`); default: every file. */
  extensions?: readonly string[];
  /**
   * What inside `path` is not readable: `<folder>/` (a folder, relative to `path`),
   * `**\/*<ending>` (files whose names end so, anywhere) or `**\/<name>` (files so named, anywhere).
   */
  except?: readonly string[];
}

/** `path` as given and as it really is (symlinks resolved): a check must pass for both. */
export function withRealPath(scope: ReadScope | string): ReadScope[] {
  const given: ReadScope = typeof scope === 'string' ? { path: resolve(scope) } : { ...scope, path: resolve(scope.path) };
  const real = realPathOf(given.path);
  return real === given.path ? [given] : [given, { ...given, path: real }];
}

/** True when `absolute` is `root` or inside it (both absolute and normalized, as `resolve` gives them). */
export function isInside(root: string, absolute: string): boolean {
  if (absolute === root) return true;
  return absolute.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Whether a file's content may be read (the scope's narrowing rules apply). */
export function scopeAllowsFile(scope: ReadScope, absolute: string): boolean {
  if (!isInside(scope.path, absolute)) return false;
  const inside = absolute
    .slice(scope.path.length)
    .replace(/^[\\/]+/, '')
    .split(sep)
    .join('/');
  if (inside === '') return true; // the scope is this file
  const name = inside.slice(inside.lastIndexOf('/') + 1);
  if (scope.extensions && !scope.extensions.some((ending) => name.endsWith(ending))) return false;
  return !(scope.except ?? []).some((rule) => matchesExcept(rule, inside, name));
}

/** Whether a folder may be listed or watched: it lies within the scope (names only, narrowing ignored). */
export function scopeAllowsFolder(scope: ReadScope, absolute: string): boolean {
  return isInside(scope.path, absolute);
}

function matchesExcept(rule: string, inside: string, name: string): boolean {
  if (rule.endsWith('/')) return inside.startsWith(rule);
  if (rule.startsWith('**/*')) return name.endsWith(rule.slice(4));
  if (rule.startsWith('**/')) return name === rule.slice(3);
  return inside === rule;
}
