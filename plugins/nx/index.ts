export { createNodesV2, type ReproMLPluginOptions } from './src/plugin/create-nodes';
export { createDependencies } from './src/plugin/create-dependencies';
export { postTasksExecution } from './src/plugin/record-cache-restores';
