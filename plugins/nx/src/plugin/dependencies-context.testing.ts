import type { CreateDependenciesContext } from '@nx/devkit';

/** What Nx hands `createDependencies` for these projects, with no files to process: for the plugin's specs. */
export function dependenciesContext(workspaceRoot: string, projects: Record<string, { root: string }>): CreateDependenciesContext {
  return {
    workspaceRoot,
    projects,
    nxJsonConfiguration: {},
    fileMap: { projectFileMap: {}, nonProjectFiles: [] },
    filesToProcess: { projectFileMap: {}, nonProjectFiles: [] },
    externalNodes: {},
  };
}
