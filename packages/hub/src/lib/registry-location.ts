import { isAbsolute, join, resolve } from 'node:path';
import { FileModelRegistry, type FileModelRegistryOptions } from './file-model-registry';

/** Workspace-relative default folder of the local registry (gitignored with the rest of `.reproml/`). */
export const DEFAULT_REGISTRY_DIR = '.reproml/registry';

/**
 * Where the registry lives: `REPROML_REGISTRY_DIR` (absolute, or relative to the workspace
 * root), else `<workspace>/.reproml/registry`. The push stage and the `reproml models`
 * commands resolve it the same way, so they always agree.
 */
export function registryDir(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env['REPROML_REGISTRY_DIR'];
  if (configured) return isAbsolute(configured) ? configured : resolve(workspaceRoot, configured);
  return join(workspaceRoot, DEFAULT_REGISTRY_DIR);
}

export function openRegistry(params: { workspaceRoot: string; env?: NodeJS.ProcessEnv; options?: FileModelRegistryOptions }): FileModelRegistry {
  return new FileModelRegistry(registryDir(params.workspaceRoot, params.env), params.options);
}
