export { createDependencies } from './src/plugin/create-dependencies';
export { createNodesV2, type ReproMLPluginOptions } from './src/plugin/create-nodes';
export { postTasksExecution } from './src/plugin/post-tasks-execution';
