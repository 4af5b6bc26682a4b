import type { AuditEvent } from './audit-log';
import type { MetricGate } from './metric-gates';
import type { FileEntry, ModelVersion, PushLocation } from './model-version';

/** A version before the registry numbers and dates it. */
export type NewModelVersion = Omit<ModelVersion, 'version' | 'createdAt' | 'location' | 'schemaVersion'>;

export interface RegisterVersionParams {
  version: NewModelVersion;
  /** Where the files are. For `local`, the registry copies `files` into its own folder and sets the path. */
  location: { type: 'local' } | Extract<PushLocation, { type: 'hub' }>;
  /** Absolute source of each file to keep with the version (lineage records always; every file for `local`). */
  files: readonly (FileEntry & { absolutePath: string })[];
}

export interface RegisterResult {
  version: ModelVersion;
  /** False when a version with the same fingerprint existed: nothing new was written. */
  created: boolean;
  /** Every place the version is stored (a second target adds one). */
  locations: PushLocation[];
}

export interface ApprovalRequest {
  /** Who approves (a person or a team), recorded as given. */
  by?: string;
  /** Why, e.g. the ticket or the review that signed it off. */
  reason?: string;
}

export interface PromoteParams {
  model: string;
  version: number;
  alias: string;
  approval: ApprovalRequest;
  /** The metric gates this alias requires; undefined = the gates recorded with the version. */
  gates?: Readonly<Record<string, MetricGate>>;
  /** Where the gates came from, recorded in the audit log (e.g. the stage file path). */
  gateSource?: string;
}

export interface RollbackParams {
  model: string;
  alias: string;
  /** The version to move back to (it must have held the alias before). Default: the one before the current. */
  to?: number;
  approval: ApprovalRequest;
}

export interface AliasChange {
  event: AuditEvent;
  changed: boolean;
}

export interface ModelState {
  name: string;
  versions: (ModelVersion & { locations: PushLocation[] })[];
  /** alias → version number. */
  aliases: Record<string, number>;
  /** alias → every version it pointed to, oldest first. */
  aliasHistory: Record<string, number[]>;
}

export interface ModelSummary {
  name: string;
  versions: number;
  latest: number;
  aliases: Record<string, number>;
}

/**
 * The model registry: model name → versions → aliases, with an audit log of every change.
 * One interface, two backends: a folder (FileModelRegistry, the default) and a Hugging Face
 * Hub namespace (HubModelRegistry, `REPROML_REGISTRY=hf://<namespace>`). The rules (replay,
 * gates, approvals, rollback) are shared in registry-rules.ts.
 */
export interface ModelRegistry {
  readonly kind: 'folder' | 'hub';
  /** Where the registry lives: a folder, or `hf://<namespace>` with the Hub's URL. */
  readonly location: string;
  register(params: RegisterVersionParams): Promise<RegisterResult>;
  listModels(): Promise<ModelSummary[]>;
  getModel(name: string): Promise<ModelState>;
  /** A version by number, or by alias (`production`). */
  getVersion(name: string, versionOrAlias: number | string): Promise<ModelVersion & { locations: PushLocation[] }>;
  promote(params: PromoteParams): Promise<AliasChange>;
  rollback(params: RollbackParams): Promise<AliasChange>;
  audit(params?: { model?: string }): Promise<AuditEvent[]>;
  /**
   * What is stored but disagrees with the audit log (whose chain every read verifies): files
   * whose sha256 differs from their version record (folder), alias branches moved outside
   * ReproML (Hub). Empty = intact.
   */
  verifyStoredFiles(params?: { model?: string }): Promise<string[]>;
  /** A local folder with a version's stored files (lineage records always; every file when the registry holds the model). */
  versionFiles(name: string, version: number): Promise<string>;
}
