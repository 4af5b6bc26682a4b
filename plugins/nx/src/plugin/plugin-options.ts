import type { NxJsonConfiguration } from '@nx/devkit';

/** The plugin's options in nx.json: `{ "plugin": "@reproml/nx", "options": { … } }`. */
export interface ReproMLPluginOptions {
  /** Name of the target that runs a stage. Default: `run`. */
  runTargetName?: string;
  /** Modules exporting more stage kinds (package names, or paths relative to the workspace root). Default: none. */
  kinds?: string[];
}

export interface NormalizedOptions {
  runTargetName: string;
  kinds: string[];
}

export const PLUGIN_NAME = '@reproml/nx';

export function normalizeOptions(options: ReproMLPluginOptions | undefined): NormalizedOptions {
  return { runTargetName: options?.runTargetName ?? 'run', kinds: [...(options?.kinds ?? [])] };
}

/** The plugin's options as nx.json registers them (what an executor sees at run time). */
export function pluginOptionsFromNxJson(nxJson: NxJsonConfiguration | undefined): NormalizedOptions {
  for (const entry of nxJson?.plugins ?? []) {
    if (typeof entry === 'string') {
      if (entry === PLUGIN_NAME) return normalizeOptions(undefined);
    } else if (entry.plugin === PLUGIN_NAME) {
      return normalizeOptions(entry.options as ReproMLPluginOptions | undefined);
    }
  }
  return normalizeOptions(undefined);
}
