// Light: Nx loads this on every command. The stage kinds (zod and their schemas) load only when
// the graph must be computed (src/plugin/plugin-entry.ts, graph-cache.ts).
export { createDependencies, createNodesV2, postTasksExecution } from './src/plugin/plugin-entry';
export type { ReproMLPluginOptions } from './src/plugin/plugin-options';
