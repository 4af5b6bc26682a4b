import { createHash, randomUUID } from 'node:crypto';
import { isAbsolute, join } from 'node:path';
import type { CustomHasher, Hash, HasherContext } from '@nx/devkit';
import { workspaceRoot } from 'nx/src/utils/workspace-root';
import { STATE_INPUT_METADATA, type StateInputMetadata } from './state-input-metadata';

interface StateModule {
  stateText(workspaceRoot: string, args: readonly string[], env: NodeJS.ProcessEnv): string;
}

/**
 * Nx's hasher of the `stage-with-state` executor (executors.json): the task's usual hash (its
 * inputs, computed by Nx) combined with what the kind's state module says of the state outside
 * the workspace (push: whether the registry already holds its artifacts). It runs in the nx
 * command's own process on every command, after the upstream tasks ran. Not an Nx `runtime`
 * input: with the daemon on, Nx keeps a runtime input's output across commands until the
 * project graph changes (nrwl/nx#30170), so a deleted registry would still read as holding the
 * push's artifacts.
 */
const stateHasher: CustomHasher = async (task, context) => {
  // Nx passes the command's environment (not in HasherContext's type).
  const env = (context as HasherContext & { env?: NodeJS.ProcessEnv }).env ?? process.env;
  const base = await context.hasher.hashTask(task, context.taskGraph, env);
  const target = context.projectGraph.nodes[task.target.project]?.data.targets?.[task.target.target];
  const declared = target?.metadata?.[STATE_INPUT_METADATA] as StateInputMetadata | undefined;
  const state = declared ? readState(declared, env) : `no state input declared ${randomUUID()}`;
  const hash: Hash = {
    value: createHash('sha256').update(`${base.value}\0${state}`).digest('hex'),
    details: { ...base.details, runtime: { ...base.details.runtime, [STATE_INPUT_METADATA]: state } },
  };
  return hash;
};

function readState(declared: StateInputMetadata, env: NodeJS.ProcessEnv): string {
  try {
    const path = isAbsolute(declared.module) ? declared.module : join(workspaceRoot, declared.module);
    return (require(path) as StateModule).stateText(workspaceRoot, declared.args, env);
  } catch (error) {
    // Unknown state: a hash never seen before, so the stage runs (and says what is wrong, if anything is).
    return `state not read (${error instanceof Error ? error.message : String(error)}) ${randomUUID()}`;
  }
}

export default stateHasher;
