import type { ProgressListener } from '@reproml/core';
import type { ContentStore } from './content-store';
import { hubSource, isHubSource } from './hub-source';
import { localSource } from './local-source';
import type { SourceEnvironment } from './source-environment';
import { isUrlSource, urlSource } from './url-source';

/** Where a source is named, for messages: the stage, its stage file, and the field. */
export interface SourceLocation {
  stage: string;
  file: string;
  field: string;
}

export interface SourceContext {
  workspaceRoot: string;
  environment: SourceEnvironment;
  store: ContentStore;
  progress?: ProgressListener;
  warn: (message: string) => void;
  location: SourceLocation;
}

export interface MaterializedFile {
  /** Absolute path of a file holding the bytes (in the workspace for local sources, in the store otherwise). */
  path: string;
  sha256: string;
  size: number;
}

export interface ResolvedRevision {
  /** Immutable revision (a Hub commit sha), or null for sources without revisions. */
  revision: string | null;
  /** The branch or tag the stage file asked for, when it was resolved to `revision`. */
  ref?: string;
}

/**
 * One kind of place data comes from. `resolve` is only called by `lock` (it may float:
 * branches move); `run` only ever calls `materialize` with the locked revision.
 */
export interface DatasetSource {
  readonly kind: 'local' | 'url' | 'hub';
  resolve(): Promise<ResolvedRevision>;
  /** The bytes at `revision`; when `expectedSha256` is already in the store (and intact) nothing is fetched. */
  materialize(params: { revision: string | null; expectedSha256?: string }): Promise<MaterializedFile>;
}

export interface OpenSourceParams {
  source: string;
  /** Branch, tag or commit requested in the stage file (hf:// only). */
  revision?: string;
  context: SourceContext;
}

/** The source for a stage file's `source` string: hf://…, https://…, or a workspace-relative path. */
export function openSource(params: OpenSourceParams): DatasetSource {
  if (isHubSource(params.source)) return hubSource(params);
  if (isUrlSource(params.source)) return urlSource(params);
  return localSource(params);
}
