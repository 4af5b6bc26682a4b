import { isAbsolute, join, resolve } from 'node:path';
import { parseHubRegistry } from './hub-namespace';

// Light on purpose (no registry implementation, no Hub client): the push kind's declaration
// uses registryDir, and the plugin loads kind declarations to build the project graph.

/** Workspace-relative default folder of the local registry (gitignored with the rest of `.reproml/`). */
export const DEFAULT_REGISTRY_DIR = '.reproml/registry';
/** Workspace-relative folder where a Hub registry keeps the version files it downloaded (by commit). */
export const HUB_REGISTRY_CACHE_DIR = '.reproml/hub-registry';

/**
 * Where the registry lives, from one setting: `REPROML_REGISTRY=hf://<namespace>` (a
 * Hugging Face Hub namespace, HF_ENDPOINT and HF_TOKEN), or a folder (`REPROML_REGISTRY`
 * or the older `REPROML_REGISTRY_DIR`, absolute or relative to the workspace root), else
 * `<workspace>/.reproml/registry`. The push stage and `reproml models` resolve it the same way.
 */
export type RegistrySetting = { type: 'folder'; dir: string } | { type: 'hub'; namespace: string };

export function registrySetting(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): RegistrySetting {
  const configured = env['REPROML_REGISTRY'] || env['REPROML_REGISTRY_DIR'];
  if (!configured) return { type: 'folder', dir: join(workspaceRoot, DEFAULT_REGISTRY_DIR) };
  const namespace = parseHubRegistry(configured);
  if (namespace) return { type: 'hub', namespace };
  return { type: 'folder', dir: isAbsolute(configured) ? configured : resolve(workspaceRoot, configured) };
}

/** The registry folder (the default one when the registry is on the Hub: nothing is read from it then). */
export function registryDir(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  const setting = registrySetting(workspaceRoot, env);
  return setting.type === 'folder' ? setting.dir : join(workspaceRoot, DEFAULT_REGISTRY_DIR);
}
