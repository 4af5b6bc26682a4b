/** Options of the stage executor: the stage file is the whole config, so it is all Nx needs to pass. */
export interface StageExecutorOptions {
  /** Workspace-relative path of the stage file. */
  stageFile: string;
  /** An extra target of the stage's kind (e.g. `lock`) instead of the stage's `run`. */
  target?: string;
  /** Options for the target, e.g. lock's `message`. */
  [option: string]: unknown;
}
