/** A model version to serve: which one, and its fingerprint (sha256 over its artifact files). */
export interface ModelRef {
  name: string;
  version: number;
  fingerprint: string;
}

/**
 * Where the served model comes from: a registry alias that can move (`penguins@production`),
 * a fixed version, or a packaged folder. `resolve` says what to serve now; the server calls
 * it again every poll interval when `follows` is set and swaps when the answer changes.
 */
export interface ModelSource {
  /** For messages and metadata, e.g. `penguins@production`. */
  readonly label: string;
  /** The alias followed, if any. */
  readonly alias?: string;
  /** Whether `resolve` can change its answer (an alias), so the server polls it. */
  readonly follows: boolean;
  resolve(): Promise<ModelRef>;
  /** The model file's bytes, checked against the sha256 the version records. */
  readModel(ref: ModelRef): Promise<{ bytes: Uint8Array; file: string }>;
}
