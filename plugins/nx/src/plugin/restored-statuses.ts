/** Nx statuses of a task whose outputs came from a cache instead of the executor. */
export const RESTORED_STATUSES: ReadonlySet<string> = new Set(['local-cache', 'local-cache-kept-existing', 'remote-cache']);
