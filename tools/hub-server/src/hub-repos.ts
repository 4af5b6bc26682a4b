import { createHash } from 'node:crypto';

export type HubRepoType = 'model' | 'dataset';

export interface HubCommit {
  /** 40-hex commit id, like a git sha. */
  oid: string;
  parent?: string;
  message: string;
  date: string;
  /** The whole tree at this commit: path in repo → bytes. */
  files: ReadonlyMap<string, Uint8Array>;
}

export interface CommitFilesParams {
  /** Branch to commit on (created from `main`'s head, or empty, when missing). Default: main. */
  branch?: string;
  message?: string;
  /** Files to add or replace. */
  files?: Record<string, string | Uint8Array>;
  /** Paths to delete. */
  deletes?: string[];
}

/** One repository of the fake Hub: commits, branches and tags kept in memory. */
export class HubRepo {
  readonly branches = new Map<string, string>();
  readonly tags = new Map<string, string>();
  readonly commits = new Map<string, HubCommit>();
  private clock = Date.UTC(2024, 0, 1);

  constructor(
    readonly type: HubRepoType,
    /** `namespace/name`. */
    readonly fullName: string,
    readonly isPrivate: boolean,
  ) {}

  get namespace(): string {
    return this.fullName.split('/')[0]!;
  }

  /** Commits files on a branch and returns the new commit id (deterministic for the same history). */
  commit(params: CommitFilesParams): string {
    const branch = params.branch ?? 'main';
    const parentOid = this.branches.get(branch) ?? this.branches.get('main');
    const parent = parentOid ? this.commits.get(parentOid) : undefined;
    const files = new Map(parent?.files ?? []);
    for (const path of params.deletes ?? []) files.delete(path);
    for (const [path, content] of Object.entries(params.files ?? {})) {
      files.set(path, typeof content === 'string' ? new TextEncoder().encode(content) : content);
    }
    const hash = createHash('sha1').update(`${this.fullName}\0${parentOid ?? ''}\0${params.message ?? ''}\0${this.commits.size}`);
    for (const [path, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) hash.update(`${path}\0`).update(content);
    const oid = hash.digest('hex');
    this.clock += 60_000;
    this.commits.set(oid, { oid, parent: parentOid, message: params.message ?? 'Upload files', date: new Date(this.clock).toISOString(), files });
    this.branches.set(branch, oid);
    return oid;
  }

  createBranch(name: string, from = 'main'): string {
    const oid = this.resolve(from)?.oid;
    if (!oid) throw new Error(`cannot branch '${name}' from unknown revision '${from}'`);
    this.branches.set(name, oid);
    return oid;
  }

  tag(name: string, revision = 'main'): string {
    const oid = this.resolve(revision)?.oid;
    if (!oid) throw new Error(`cannot tag unknown revision '${revision}'`);
    this.tags.set(name, oid);
    return oid;
  }

  /** A branch, a tag, `HEAD`, or a full commit id. */
  resolve(revision: string): HubCommit | undefined {
    const name = revision === 'HEAD' ? 'main' : revision.replace(/^refs\/(heads|tags)\//, '');
    const oid = this.branches.get(name) ?? this.tags.get(name) ?? (this.commits.has(revision) ? revision : undefined);
    return oid ? this.commits.get(oid) : undefined;
  }
}

/** All repositories of the fake Hub, by type and full name. */
export class HubRepos {
  private readonly repos = new Map<string, HubRepo>();

  create(params: { type: HubRepoType; name: string; private?: boolean }): HubRepo {
    const key = `${params.type}:${params.name}`;
    if (this.repos.has(key)) throw new Error(`repo ${key} already exists`);
    const repo = new HubRepo(params.type, params.name, params.private ?? false);
    this.repos.set(key, repo);
    return repo;
  }

  get(type: HubRepoType, name: string): HubRepo | undefined {
    return this.repos.get(`${type}:${name}`);
  }

  list(type: HubRepoType): HubRepo[] {
    return [...this.repos.values()].filter((repo) => repo.type === type).sort((a, b) => a.fullName.localeCompare(b.fullName));
  }
}
