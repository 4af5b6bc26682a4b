import { formatFiles, readNxJson, type Tree } from '@nx/devkit';
import { ConfigError } from '@reproml/core';
import { pluginOptionsFromNxJson } from '../../plugin/plugin-options';
import { type StageKindRegistry, stageKindRegistry } from '../../stage-file/stage-kinds';
import { describeErrors } from '../describe-errors';

export interface StageGeneratorOptions {
  pipeline: string;
  kind: string;
  /** Stage folder name. Default: the kind's name. */
  name?: string;
  /** Explicit wiring, "input=stage" pairs separated by commas, e.g. "model=train-gbdt,metrics=evaluate-gbdt". */
  inputs?: string;
  description?: string;
}

const STAGE_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const STAGE_SCHEMA_FILE = 'plugins/nx/schemas/stage.schema.json';

/** An existing stage of the pipeline: its folder name and kind. */
interface ExistingStage {
  name: string;
  kind: string;
}

/**
 * `nx g @reproml/nx:stage <pipeline> <kind>`: adds one stage whose inputs are wired to the
 * pipeline's stages of the kinds the kind declares (an input with one candidate is wired,
 * several need --inputs). The file is checked against the kind's schema before it is written;
 * a kind that needs more than its inputs says which field.
 */
export async function stageGenerator(tree: Tree, options: StageGeneratorOptions): Promise<void> {
  const root = `pipelines/${options.pipeline}`;
  if (!tree.exists(root)) {
    throw new ConfigError(`Pipeline ${root} does not exist`, {
      field: 'pipeline',
      hint: 'Create it with `nx g @reproml/nx:pipeline <name> --data <file> --target <column>`.',
    });
  }
  const registry = registryOf(tree);
  const registered = registry.get(options.kind);
  if (!registered) {
    throw new ConfigError(`'${options.kind}' is not a stage kind of this workspace`, { field: 'kind', hint: `Kinds: ${registry.names.join(', ')}.` });
  }
  const name = options.name ?? options.kind;
  if (!STAGE_NAME.test(name))
    throw new ConfigError(`'${name}' is not a stage name`, { field: 'name', hint: 'Use lowercase letters, digits and single dashes.' });
  const file = `${root}/${name}/stage.json`;
  if (tree.exists(file)) throw new ConfigError(`${file} already exists`, { field: 'name', hint: 'Pass another --name.' });
  const stages = existingStages(tree, root);
  const inputs = wireInputs(registered.kind.name, registered.kind.inputs, stages, parseInputs(options.inputs), registry);
  const config: Record<string, unknown> = {
    kind: registered.kind.name,
    description: options.description ?? registered.kind.description,
    inputs,
  };
  const result = registered.kind.schema.safeParse(config);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.join('.');
    throw new ConfigError(`A ${registered.kind.name} stage needs more than its inputs: ${field}: ${issue.message}`, {
      file,
      field,
      hint: `Write ${file} by hand (see the README for the ${registered.kind.name} kind's fields), or use the pipeline generator.`,
    });
  }
  const content = tree.exists(STAGE_SCHEMA_FILE) ? { $schema: `../../../${STAGE_SCHEMA_FILE}`, ...config } : config;
  tree.write(file, `${JSON.stringify(content, null, 2)}\n`);
  await formatFiles(tree);
}

function registryOf(tree: Tree): StageKindRegistry {
  return stageKindRegistry(tree.root, pluginOptionsFromNxJson(readNxJson(tree) ?? undefined).kinds ?? []);
}

function existingStages(tree: Tree, root: string): ExistingStage[] {
  const stages: ExistingStage[] = [];
  for (const name of tree.children(root).sort()) {
    const file = `${root}/${name}/stage.json`;
    if (!tree.exists(file)) continue;
    try {
      const kind = (JSON.parse(tree.read(file, 'utf8')!) as { kind?: unknown }).kind;
      if (typeof kind === 'string') stages.push({ name, kind });
    } catch {
      // An unreadable stage file is reported by the plugin; it just cannot be wired to.
    }
  }
  return stages;
}

/** "model=train,metrics=evaluate" → { model: 'train', metrics: 'evaluate' }. */
export function parseInputs(text: string | undefined): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const part of (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)) {
    const [input, stage, ...rest] = part.split('=');
    if (!input || !stage || rest.length)
      throw new ConfigError(`--inputs: '${part}' is not input=stage`, { field: 'inputs', hint: 'Write e.g. --inputs model=train,metrics=evaluate.' });
    pairs[input.trim()] = stage.trim();
  }
  return pairs;
}

function wireInputs(
  kind: string,
  declared: Readonly<Record<string, { required?: boolean; kinds?: readonly string[] }>>,
  stages: readonly ExistingStage[],
  given: Record<string, string>,
  registry: StageKindRegistry,
): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const [input, stage] of Object.entries(given)) {
    if (!stages.some((existing) => existing.name === stage)) {
      throw new ConfigError(`--inputs ${input}=${stage}: the pipeline has no stage '${stage}'`, {
        field: `inputs.${input}`,
        hint: `Stages: ${stages.map((existing) => existing.name).join(', ') || '(none)'}.`,
      });
    }
    inputs[input] = stage;
  }
  for (const [input, spec] of Object.entries(declared)) {
    if (inputs[input]) continue;
    const candidates = stages.filter((stage) => spec.kinds === undefined || spec.kinds.includes(stage.kind)).map((stage) => stage.name);
    const wanted = spec.kinds?.join(' or ') ?? 'any';
    if (candidates.length === 1) inputs[input] = candidates[0]!;
    else if (candidates.length > 1) {
      throw new ConfigError(`Input '${input}' of the ${kind} stage could be any of ${candidates.join(', ')}`, {
        field: `inputs.${input}`,
        hint: `Choose one: --inputs ${input}=${candidates[0]}.`,
      });
    } else if (spec.required !== false) {
      const known = spec.kinds?.every((name) => registry.get(name)) ?? true;
      throw new ConfigError(`Input '${input}' of the ${kind} stage needs a ${wanted} stage, and the pipeline has none`, {
        field: `inputs.${input}`,
        hint: known ? `Add one first: nx g @reproml/nx:stage <pipeline> ${spec.kinds?.[0] ?? '<kind>'}.` : 'Register the kind that provides it in nx.json.',
      });
    }
  }
  return inputs;
}

export default describeErrors(stageGenerator);
