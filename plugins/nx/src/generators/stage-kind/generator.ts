import { join } from 'node:path';
import { generateFiles, names, readNxJson, type Tree, updateJson, updateNxJson } from '@nx/devkit';
import { ConfigError } from '@reproml/core';
import { PLUGIN_NAME, type ReproMLPluginOptions } from '../../plugin/plugin-options';

export interface StageKindGeneratorOptions {
  name: string;
  directory?: string;
  packageName?: string;
}

const KIND_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * `nx g @reproml/nx:stage-kind <name>`: a package exporting one stage kind (light `kinds.ts`,
 * config schema, output contract, lazily loaded work), registered in nx.json and added to
 * the workspace root's devDependencies so the plugin can resolve it. Run the package
 * manager's install afterwards.
 */
export async function stageKindGenerator(tree: Tree, options: StageKindGeneratorOptions): Promise<void> {
  if (!KIND_NAME.test(options.name)) {
    throw new ConfigError(`'${options.name}' is not a stage kind name`, {
      field: 'name',
      hint: 'Use lowercase letters, digits and single dashes, starting with a letter, e.g. "feature-select".',
    });
  }
  const directory = options.directory ?? `packages/${options.name}`;
  const packageName = options.packageName ?? `@reproml/${options.name}`;
  if (tree.exists(join(directory, 'package.json'))) {
    throw new ConfigError(`${directory} already holds a package`, { field: 'directory', hint: 'Choose another name or --directory.' });
  }
  const { className, propertyName, constantName } = names(options.name);
  generateFiles(tree, join(__dirname, 'files'), directory, { name: options.name, packageName, className, propertyName, constantName, template: '' });
  registerKindModule(tree, packageName);
  updateJson(tree, 'package.json', (manifest: { devDependencies?: Record<string, string> }) => {
    const devDependencies = { ...manifest.devDependencies, [packageName]: 'workspace:*' };
    manifest.devDependencies = Object.fromEntries(Object.entries(devDependencies).sort(([a], [b]) => a.localeCompare(b)));
    return manifest;
  });
}

/** Adds the module to the `kinds` option of the @reproml/nx plugin entry in nx.json (adding the entry when missing). */
function registerKindModule(tree: Tree, module: string): void {
  const nxJson = readNxJson(tree) ?? {};
  const plugins = [...(nxJson.plugins ?? [])];
  const index = plugins.findIndex((entry) => (typeof entry === 'string' ? entry : entry.plugin) === PLUGIN_NAME);
  const existing = index === -1 ? undefined : plugins[index]!;
  const options: ReproMLPluginOptions = typeof existing === 'object' ? { ...(existing.options as ReproMLPluginOptions) } : {};
  options.kinds = [...new Set([...(options.kinds ?? []), module])];
  const entry = { ...(typeof existing === 'object' ? existing : {}), plugin: PLUGIN_NAME, options };
  if (index === -1) plugins.push(entry);
  else plugins[index] = entry;
  updateNxJson(tree, { ...nxJson, plugins });
}

export default stageKindGenerator;
