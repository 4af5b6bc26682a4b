import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ConfigError } from '@reproml/core/layout';

/** Registry model names and aliases become folder names: a closed alphabet, no dots at the start, no `..`. */
const MODEL_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const ALIAS_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
/** `namespace/name` as the Hub accepts it (letters, digits, `-`, `_`, `.`; no `--` or `..`; ≤ 96 characters each). */
const HUB_REPO_PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

export function assertModelName(name: string, field = 'model'): string {
  if (!MODEL_NAME.test(name)) {
    throw new ConfigError(`'${name}' is not a valid model name`, {
      field,
      hint: 'A model name uses lowercase letters, digits, "-" and "_" (at most 64 characters), e.g. "penguins".',
    });
  }
  return name;
}

export function assertAliasName(name: string, field = 'alias'): string {
  if (!ALIAS_NAME.test(name)) {
    throw new ConfigError(`'${name}' is not a valid alias`, {
      field,
      hint: 'An alias uses lowercase letters, digits, "-" and "_", starting with a letter, e.g. "staging" or "production".',
    });
  }
  return name;
}

export function isValidHubRepoName(name: string): boolean {
  const parts = name.split('/');
  return (
    parts.length === 2 &&
    parts.every((part) => HUB_REPO_PART.test(part) && !part.includes('--') && !part.includes('..') && !part.endsWith('.') && !part.endsWith('.git'))
  );
}

/**
 * A relative path inside a repo or a registry folder: forward slashes, no empty, `.` or
 * `..` segments, not absolute, no backslashes or control characters.
 */
export function assertRelativeFilePath(path: string, field = 'path'): string {
  const segments = path.split('/');
  const bad =
    path.length === 0 ||
    path.length > 512 ||
    path.startsWith('/') ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
    /[\\\u0000-\u001f]/.test(path) ||
    /^[a-zA-Z]:/.test(path) ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..');
  if (bad) {
    throw new ConfigError(`'${path}' is not a safe relative file path`, {
      field,
      hint: 'Use a path like "lineage/train.json": forward slashes, no "..", "." or empty segments, not absolute.',
    });
  }
  return path;
}

/** Joins `parts` under `root` and refuses any result outside it (the last line of defence against traversal). */
export function resolveInside(root: string, ...parts: string[]): string {
  const base = resolve(root);
  const target = resolve(base, ...parts);
  const inside = relative(base, target);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    throw new ConfigError(`Refusing to write outside ${base}: ${parts.join('/')}`, {
      hint: 'Names and paths in the registry must stay inside the registry folder.',
    });
  }
  return target;
}
