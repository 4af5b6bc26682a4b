/**
 * Prints a warning with Nx's logger, loaded on the first warning: `@nx/devkit`'s index costs more
 * than the plugin's per-command work (graph answers from the cache, journaling restores).
 */
export function nxWarn(message: string): void {
  (require('@nx/devkit') as typeof import('@nx/devkit')).logger.warn(message);
}
