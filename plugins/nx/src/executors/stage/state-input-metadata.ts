/** `run` target metadata of a stage whose kind has a `stateInput`: the module (workspace-relative) and its arguments. */
export const STATE_INPUT_METADATA = 'reproml.stateInput';

export interface StateInputMetadata {
  /** Workspace-relative module exporting `stateText(workspaceRoot, args, env): string`. */
  module: string;
  args: string[];
}
