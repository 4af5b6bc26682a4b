/** Options every stage executor takes: the stage file is the whole config, so it is all Nx needs to pass. */
export interface StageExecutorOptions {
  /** Workspace-relative path of the stage file. */
  stageFile: string;
}
