import { join } from 'node:path';
import { sourceEnvironmentFromEnv } from '@reproml/data/source-environment';
import { FileModelRegistry, type FileModelRegistryOptions } from './file-model-registry';
import { HubModelRegistry, type HubModelRegistryOptions } from './hub-model-registry';
import type { ModelRegistry } from './model-registry';
import { HUB_REGISTRY_CACHE_DIR, registrySetting } from './registry-setting';

export { DEFAULT_REGISTRY_DIR, HUB_REGISTRY_CACHE_DIR, type RegistrySetting, registryDir, registrySetting } from './registry-setting';

export interface OpenRegistryParams {
  workspaceRoot: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides the setting: a folder path or `hf://<namespace>` (`reproml models copy`). */
  location?: string;
  options?: FileModelRegistryOptions;
  hubOptions?: Partial<HubModelRegistryOptions>;
}

export function openRegistry(params: OpenRegistryParams): ModelRegistry {
  const env = params.env ?? process.env;
  const setting = registrySetting(params.workspaceRoot, params.location ? { REPROML_REGISTRY: params.location } : env);
  if (setting.type === 'folder') return new FileModelRegistry(setting.dir, params.options);
  const source = sourceEnvironmentFromEnv(env);
  return new HubModelRegistry({
    namespace: setting.namespace,
    hubUrl: source.hubUrl,
    allowHttpLocalhost: source.allowHttpLocalhost,
    token: source.hubToken,
    cacheDir: join(params.workspaceRoot, HUB_REGISTRY_CACHE_DIR),
    retries: source.retries,
    retryBaseMs: source.retryBaseMs,
    now: params.options?.now,
    ...params.hubOptions,
  });
}
