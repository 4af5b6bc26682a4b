/** Where a preprocess problem is reported: the stage (Nx project) and its stage file. */
export interface StageLocation {
  stage?: string;
  /** Workspace-relative stage file, e.g. pipelines/penguins/preprocess/stage.json. */
  file?: string;
  /** Workspace-relative data file being preprocessed, named in hints about its columns (not an error's `file`). */
  input?: string;
}
