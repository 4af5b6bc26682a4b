/**
 * The light part of @reproml/core (node builtins only, no zod): the stage layout convention,
 * the typed errors, atomic writes and the git state. For code that runs on every command and
 * must start fast: the push stage's published-state probe Nx runs when it hashes the push (see
 * @reproml/hub), and the plugin's record of cache restores after every run (the run journal,
 * see @reproml/tracking/journal).
 */
export * from './lib/atomic-write';
export * from './lib/errors';
export * from './lib/git-state';
export * from './lib/process-alive';
export * from './lib/stage-layout';
