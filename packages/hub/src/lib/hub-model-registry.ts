import { existsSync, openAsBlob } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CommitOperation } from '@huggingface/hub';
import { ConfigError, IntegrityError, parseConfig, ReproError, sha256OfBytes, stableStringify, writeDirectoryAtomic, writeFileAtomic } from '@reproml/core';
import { assertHubEndpoint } from '@reproml/data/transport-policy';
import { AuditCheckpointFile, checkpointOf, compareWithCheckpoint } from './audit-checkpoint';
import { type AuditEvent, chainEvent, type NewAuditEvent, parseAuditLog } from './audit-log';
import { hubClient, isHubApiError } from './hub-client';
import type {
  AliasChange,
  ModelRegistry,
  ModelState,
  ModelSummary,
  PromoteParams,
  RegisterResult,
  RegisterVersionParams,
  RollbackParams,
} from './model-registry';
import { type ModelVersion, modelVersionSchema, type PushLocation } from './model-version';
import { decidePromotion, decideRollback, lastAliasEvent, type ReplayedModel, replayEvents, requireModel, resolveVersion } from './registry-rules';
import { assertAliasName, assertModelName, assertRelativeFilePath, resolveInside } from './safe-names';
import { createUploadFetch } from './upload-fetch';

/** The audit log in each model repo (hash-chained JSON Lines, appended by commits with a parent). */
export const HUB_AUDIT_FILE = 'reproml-audit.jsonl';
/** The version record in each version's commit (the ModelVersion without its location, which is that commit). */
export const HUB_VERSION_FILE = 'reproml-version.json';
/** Files of a model repo that are not part of a version's bundle. */
const REPO_FILES = new Set(['.gitattributes', HUB_AUDIT_FILE]);
/** Alias names that are not branches a registry may move. */
const RESERVED_ALIASES = new Set(['main']);

const storedVersionSchema = modelVersionSchema.omit({ location: true });

/** Points where a test can stop the registry between the commits of a change. */
export type HubRegistryStep = 'version-committed' | 'event-committed' | 'alias-moved';

export interface HubModelRegistryOptions {
  /** The user or organisation whose model repos form the registry. */
  namespace: string;
  hubUrl: string;
  /** Plain http:// to 127.0.0.1/localhost is allowed (REPROML_ALLOW_HTTP_LOCALHOST=1, tests); otherwise the Hub must be https://. */
  allowHttpLocalhost?: boolean;
  /** HF_TOKEN: read access lists, shows and audits; changes need write access. Never logged. */
  token?: string;
  /** Where `versionFiles` keeps downloaded version files (by commit: they never change). */
  cacheDir: string;
  retries?: number;
  retryBaseMs?: number;
  /** Attempts of a change when another one landed first (the Hub refused its parent commit). Default 5. */
  attempts?: number;
  /** New model repos are private unless false. */
  private?: boolean;
  now?: () => Date;
  fetch?: typeof fetch;
  log?: (message: string) => void;
  onStep?: (step: HubRegistryStep) => void | Promise<void>;
}

/** The head of `main` and the audit log there: what a change builds on. */
interface Snapshot {
  repo: string;
  head: string;
  text: string;
  events: AuditEvent[];
  model: ReplayedModel;
}

interface Identity {
  name: string;
  role: string;
  orgs: string[];
}

/** Another change landed between reading the log and committing: the Hub refused the parent commit. */
class StaleHead extends Error {}

export class ConcurrentChangeError extends ReproError {
  override name = 'ConcurrentChangeError';
  override readonly code = 'CONCURRENT_CHANGE';
}

/**
 * The model registry on a Hugging Face Hub namespace, through @huggingface/hub:
 *
 *     <namespace>/<model>                 one model repo per model
 *       main: commit per version          the bundle push writes (model.onnx, card, lineage, metrics,
 *                                         reproml-model.json) plus reproml-version.json; never rewritten
 *       reproml-audit.jsonl (on main)     the hash-chained audit log, appended by commits whose
 *                                         parentCommit is the head the change was decided on
 *       branch <alias>                    points at the version's commit: any Hub client downloads
 *                                         model.onnx at revision "production"
 *
 * The log is the record; the alias branches follow it. A change commits its event with the
 * head it read as parent, so two concurrent changes cannot both land: the Hub refuses the
 * second (412), which re-reads and retries, or fails clearly when its alias moved meanwhile.
 */
export class HubModelRegistry implements ModelRegistry {
  readonly kind = 'hub' as const;
  readonly location: string;
  private readonly fetch: typeof fetch;
  private readonly now: () => Date;
  private readonly versions = new Map<string, Omit<ModelVersion, 'location'>>();
  private identityPromise?: Promise<Identity>;

  constructor(private readonly options: HubModelRegistryOptions) {
    // Reads too: versions, the audit log and model bytes over plain http could be forged consistently on the way.
    assertHubEndpoint(options.hubUrl, options.allowHttpLocalhost ?? false);
    this.location = `hf://${options.namespace} (${options.hubUrl})`;
    this.now = options.now ?? (() => new Date());
    this.fetch = createUploadFetch({ retries: options.retries ?? 4, retryBaseMs: options.retryBaseMs ?? 500, fetch: options.fetch });
  }

  /** The Hub repo of a model. */
  repoOf(model: string): string {
    return `${this.options.namespace}/${assertModelName(model)}`;
  }

  async register(params: RegisterVersionParams): Promise<RegisterResult> {
    const name = assertModelName(params.version.model);
    if (params.location.type === 'hub') {
      throw new ConfigError(`The registry at ${this.location} publishes models itself: it cannot record a copy pushed to hf://${params.location.repo}`, {
        field: 'target',
        hint: `Set the push stage's target to "registry" (the model goes to hf://${this.repoOf(name)}).`,
      });
    }
    for (const file of params.files) assertRelativeFilePath(file.path, 'files');
    await this.requireWriter();
    return this.retrying(`recording ${name}`, async () => {
      const snapshot = (await this.snapshot(name, { create: true }))!;
      const existing = [...snapshot.model.versions].find(([, entry]) => entry.fingerprint === params.version.fingerprint);
      if (existing) {
        const [number, entry] = existing;
        return { version: await this.readVersion(snapshot, number), created: false, locations: entry.locations };
      }
      const number = snapshot.model.versions.size ? Math.max(...snapshot.model.versions.keys()) + 1 : 1;
      const stored = storedVersionSchema.parse({ ...params.version, schemaVersion: 1, version: number, createdAt: this.now().toISOString() });
      const oid = await this.commitVersion(snapshot, params.files, stored);
      await this.options.onStep?.('version-committed');
      const location: PushLocation = {
        type: 'hub',
        hubUrl: this.options.hubUrl,
        repo: snapshot.repo,
        branch: 'main',
        commit: oid,
        url: this.commitUrl(snapshot.repo, oid),
      };
      await this.commitEvents({ ...snapshot, head: oid }, [
        {
          type: 'register',
          model: name,
          version: number,
          fingerprint: stored.fingerprint,
          artifactSha256: stored.artifact.sha256,
          recordSha256: sha256OfBytes(recordText(stored)),
          location,
        },
      ]);
      await this.options.onStep?.('event-committed');
      this.versions.set(oid, stored);
      return { version: { ...stored, location }, created: true, locations: [location] };
    });
  }

  async listModels(): Promise<ModelSummary[]> {
    const names = await this.modelNames();
    const snapshots = await Promise.all(names.map((name) => this.snapshot(name)));
    return snapshots
      .filter((snapshot): snapshot is Snapshot => snapshot !== undefined && snapshot.model.versions.size > 0)
      .map((snapshot) => ({
        name: snapshot.repo.split('/')[1]!,
        versions: snapshot.model.versions.size,
        latest: Math.max(...snapshot.model.versions.keys()),
        aliases: { ...snapshot.model.aliases },
      }));
  }

  async getModel(name: string): Promise<ModelState> {
    const snapshot = await this.requireSnapshot(name);
    const numbers = [...snapshot.model.versions.keys()].sort((a, b) => a - b);
    return {
      name,
      versions: await Promise.all(
        numbers.map(async (number) => ({ ...(await this.readVersion(snapshot, number)), locations: snapshot.model.versions.get(number)!.locations })),
      ),
      aliases: { ...snapshot.model.aliases },
      aliasHistory: structuredClone(snapshot.model.aliasHistory),
    };
  }

  async getVersion(name: string, versionOrAlias: number | string): Promise<ModelVersion & { locations: PushLocation[] }> {
    const snapshot = await this.requireSnapshot(name);
    const number = resolveVersion(name, snapshot.model, versionOrAlias);
    return { ...(await this.readVersion(snapshot, number)), locations: snapshot.model.versions.get(number)!.locations };
  }

  async promote(params: PromoteParams): Promise<AliasChange> {
    const alias = this.assertAlias(params.alias);
    const identity = await this.requireWriter();
    let expected: number | null | undefined;
    return this.retrying(`promoting ${params.model} to '${alias}'`, async () => {
      const snapshot = await this.requireSnapshot(params.model);
      expected = this.checkUnmoved(snapshot, alias, expected);
      await this.checkAliasBranch(snapshot, alias);
      const number = resolveVersion(params.model, snapshot.model, params.version);
      const version = await this.readVersion(snapshot, number);
      const decision = decidePromotion({ request: params, alias, number, model: snapshot.model, version, approval: this.stamp(identity) });
      if (decision.kind === 'rejected') {
        await this.commitEvents(snapshot, [decision.event]);
        throw decision.error;
      }
      if (decision.kind === 'unchanged') {
        await this.moveAliasBranch(snapshot, alias, number);
        return { event: lastAliasEvent(snapshot.events, params.model, alias)!, changed: false };
      }
      const [event] = await this.commitEvents(snapshot, [decision.event]);
      await this.options.onStep?.('event-committed');
      await this.moveAliasBranch(snapshot, alias, number);
      return { event: event!, changed: true };
    });
  }

  async rollback(params: RollbackParams): Promise<AliasChange> {
    const alias = this.assertAlias(params.alias);
    const identity = await this.requireWriter();
    let expected: number | null | undefined;
    return this.retrying(`rolling back '${alias}' of ${params.model}`, async () => {
      const snapshot = await this.requireSnapshot(params.model);
      expected = this.checkUnmoved(snapshot, alias, expected);
      await this.checkAliasBranch(snapshot, alias);
      const decided = decideRollback({ request: params, alias, model: snapshot.model, approval: this.stamp(identity) });
      const [event] = await this.commitEvents(snapshot, [decided]);
      await this.options.onStep?.('event-committed');
      await this.moveAliasBranch(snapshot, alias, event!.version);
      return { event: event!, changed: true };
    });
  }

  async audit(params: { model?: string } = {}): Promise<AuditEvent[]> {
    const names = params.model ? [params.model] : await this.modelNames();
    const snapshots = await Promise.all(names.map((name) => (params.model ? this.requireSnapshot(name) : this.snapshot(name))));
    return snapshots.flatMap((snapshot) => snapshot?.events ?? []).sort((a, b) => a.at.localeCompare(b.at) || a.model.localeCompare(b.model) || a.seq - b.seq);
  }

  /** Alias branches that disagree with the audit log (the log's chain is verified by every read). */
  async verifyStoredFiles(params: { model?: string } = {}): Promise<string[]> {
    const names = params.model ? [params.model] : await this.modelNames();
    const problems: string[] = [];
    for (const name of names) {
      const snapshot = params.model ? await this.requireSnapshot(name) : await this.snapshot(name);
      if (!snapshot) continue;
      for (const alias of Object.keys(snapshot.model.aliases).sort()) {
        const problem = await this.aliasBranchProblem(snapshot, alias);
        if (problem) problems.push(problem.message);
      }
    }
    return problems;
  }

  async versionFiles(name: string, version: number): Promise<string> {
    const snapshot = await this.requireSnapshot(name);
    const record = await this.readVersion(snapshot, version);
    const commitOid = (record.location as Extract<PushLocation, { type: 'hub' }>).commit;
    const dir = resolveInside(this.options.cacheDir, this.options.namespace, name, commitOid);
    if (existsSync(join(dir, HUB_VERSION_FILE))) return dir;
    await writeDirectoryAtomic(dir, async (temp) => {
      for (const file of record.files) {
        const bytes = await this.download(snapshot.repo, assertRelativeFilePath(file.path), commitOid);
        if (!bytes || sha256OfBytes(bytes) !== file.sha256) {
          throw new IntegrityError(`${file.path} of ${name} v${version} at hf://${snapshot.repo}@${commitOid.slice(0, 12)} does not match its version record`, {
            file: file.path,
            hint: 'The Hub returned other bytes than the registry recorded: check HF_ENDPOINT and the repo history.',
          });
        }
        const target = resolveInside(temp, file.path);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, bytes);
      }
      await writeFile(join(temp, HUB_VERSION_FILE), stableStringify(record));
    });
    return dir;
  }

  // ---- the Hub side ----

  private common() {
    return { hubUrl: this.options.hubUrl, accessToken: this.options.token, fetch: this.fetch };
  }

  private async identity(): Promise<Identity> {
    this.identityPromise ??= hubClient().then(({ whoAmI }) =>
      whoAmI({ ...this.common(), accessToken: this.options.token! }).then((me) => ({
        name: me.name,
        role: me.auth.accessToken?.role ?? 'read',
        orgs: 'orgs' in me ? me.orgs.map((org) => org.name) : [],
      })),
    );
    return this.identityPromise.catch((error: unknown) => {
      this.identityPromise = undefined;
      throw this.hubError(error, `checking HF_TOKEN at ${this.options.hubUrl}`);
    });
  }

  /** Changes need a token with write access to the namespace; reading works with any token (or none, for public repos). */
  private async requireWriter(): Promise<Identity> {
    const namespace = this.options.namespace;
    if (!this.options.token) {
      throw new ConfigError(`Changing the registry at ${this.location} needs a Hugging Face token`, {
        field: 'HF_TOKEN',
        hint: `Set HF_TOKEN to a token (hf_…) with write access to ${namespace}.`,
      });
    }
    const me = await this.identity();
    if (me.role === 'read') {
      throw new ReproError(`HF_TOKEN of ${me.name} is read-only: changing the registry at ${this.location} needs write access`, {
        hint: `Read-only tokens can list, show, audit and reproduce. Ask an owner of ${namespace} for a token with the "write" role.`,
      });
    }
    if (me.name !== namespace && !me.orgs.includes(namespace)) {
      throw new ReproError(`${me.name} is not a member of ${namespace}: the registry at ${this.location} refuses changes from this token`, {
        hint: `Use a token of a member of ${namespace} with write access.`,
      });
    }
    return me;
  }

  private stamp(identity: Identity): { at: string; identity: string } {
    return { at: this.now().toISOString(), identity: identity.name };
  }

  private async modelNames(): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const entry of (await hubClient()).listModels({ ...this.common(), search: { owner: this.options.namespace } })) {
        const name = entry.name.split('/')[1];
        if (name && /^[a-z0-9][a-z0-9_-]{0,63}$/.test(name)) names.push(name);
      }
    } catch (error) {
      throw this.hubError(error, `listing the models of ${this.location}`);
    }
    return names.sort();
  }

  /** The head of main and the audit log there; undefined when the repo does not exist (created with `create`). */
  private async snapshot(model: string, options: { create?: boolean } = {}): Promise<Snapshot | undefined> {
    const repo = this.repoOf(model);
    let head = await this.branchHead(repo, 'main');
    if (head === undefined) {
      if (!options.create) return undefined;
      await (await hubClient())
        .createRepo({
          ...this.common(),
          accessToken: this.options.token!,
          repo: { type: 'model', name: repo },
          private: this.options.private ?? true,
        })
        .catch((error: unknown) => {
          if (!(isHubApiError(error) && error.statusCode === 409)) throw this.hubError(error, `creating hf://${repo}`);
        });
      this.options.log?.(`created model repo ${repo}`);
      head = await this.branchHead(repo, 'main');
    }
    if (!head) throw new ReproError(`hf://${repo} has no main branch`, { hint: 'The registry keeps its versions and audit log on main; restore it.' });
    const bytes = await this.download(repo, HUB_AUDIT_FILE, head);
    const text = bytes ? new TextDecoder().decode(bytes) : '';
    const source = `hf://${repo}/${HUB_AUDIT_FILE}@${head.slice(0, 12)}`;
    const readout = parseAuditLog(text, source);
    // A Hub commit is whole: a line that is not JSON was written by hand, not cut off by a crash.
    if (readout.tornLines.length || readout.tornTail) {
      throw new IntegrityError(`Audit log ${source} has line(s) that are not events (${readout.tornLines.join(', ') || 'last line'})`, {
        file: source,
        hint: 'The log in the repo was edited outside ReproML. Restore it from an earlier commit and investigate; the registry refuses to act on it.',
      });
    }
    const foreign = readout.events.find((event) => event.model !== model);
    if (foreign) {
      throw new IntegrityError(`Audit log ${source} holds an event of another model (${foreign.model}, event ${foreign.seq})`, {
        file: source,
        hint: 'Each model repo logs its own model only: the file was copied or edited by hand.',
      });
    }
    await this.checkSeen(model, readout, source);
    return { repo, head, text, events: readout.events, model: replayEvents(readout.events).get(model) ?? emptyModel() };
  }

  /**
   * The hash chain shows an edited event, not events removed from the end. So each clone
   * keeps the count and last hash of the log it last saw (audit-checkpoint.ts, under the
   * cache folder): a log on the Hub that no longer contains that event (a commit that cut
   * the file, a rewritten history) is refused. It can only grow.
   */
  private async checkSeen(model: string, readout: { events: AuditEvent[]; tornLines: number[]; tornTail: boolean }, source: string): Promise<void> {
    const file = new AuditCheckpointFile(resolveInside(this.options.cacheDir, this.options.namespace, model, 'seen.checkpoint'));
    const seen = file.read();
    if (seen) {
      const comparison = compareWithCheckpoint(readout, seen);
      if (comparison.status === 'broken') {
        throw new IntegrityError(`Audit log ${source} lost events this clone saw before: ${comparison.problem}`, {
          file: source,
          hint: `Someone rewrote the log (or the repo's history). Restore it from an earlier commit and investigate; ${file.path} holds what this clone last saw.`,
        });
      }
      if (comparison.status === 'in-step') return;
    }
    await mkdir(dirname(file.path), { recursive: true });
    await file.write(checkpointOf(readout.events));
  }

  private async requireSnapshot(model: string): Promise<Snapshot> {
    const snapshot = await this.snapshot(model);
    if (!snapshot || snapshot.model.versions.size === 0) requireModel(new Map(), model, this.location);
    return snapshot!;
  }

  /** A branch's commit, null when the repo exists without it, undefined when the repo does not exist (or is not visible). */
  private async branchHead(repo: string, branch: string): Promise<string | null | undefined> {
    try {
      const info = await (await hubClient()).modelInfo({ ...this.common(), name: repo, revision: branch, additionalFields: ['sha'] });
      return (info as { sha?: string }).sha ?? null;
    } catch (error) {
      if (isHubApiError(error) && error.statusCode === 404) {
        const code = (error.data as { error?: string } | undefined)?.error ?? error.message;
        return /revision|rev id/i.test(code) ? null : undefined;
      }
      throw this.hubError(error, `reading hf://${repo}@${branch}`);
    }
  }

  private async download(repo: string, path: string, revision: string): Promise<Uint8Array | undefined> {
    try {
      const blob = await (await hubClient()).downloadFile({ ...this.common(), repo: { type: 'model', name: repo }, path, revision });
      return blob ? new Uint8Array(await blob.arrayBuffer()) : undefined;
    } catch (error) {
      throw this.hubError(error, `downloading ${path} from hf://${repo}@${revision.slice(0, 12)}`);
    }
  }

  /**
   * A version record: from memory, else from this clone's cache (records never change: they
   * are kept by commit and checked against the sha256 the register event recorded), else
   * downloaded at the version's commit.
   */
  private async readVersion(snapshot: Snapshot, number: number): Promise<ModelVersion> {
    const entry = snapshot.model.versions.get(number)!;
    const location = entry.locations[0] as Extract<PushLocation, { type: 'hub' }>;
    let stored = this.versions.get(location.commit);
    if (!stored) {
      const source = `hf://${snapshot.repo}/${HUB_VERSION_FILE}@${location.commit.slice(0, 12)}`;
      const cached = resolveInside(this.options.cacheDir, this.options.namespace, snapshot.repo.split('/')[1]!, 'records', `${location.commit}.json`);
      const fromCache = entry.recordSha256 && existsSync(cached) ? await readFile(cached) : undefined;
      const bytes =
        fromCache && sha256OfBytes(fromCache) === entry.recordSha256 ? fromCache : await this.download(snapshot.repo, HUB_VERSION_FILE, location.commit);
      if (!bytes) {
        throw new IntegrityError(`The audit log names ${snapshot.repo.split('/')[1]} v${number} at commit ${location.commit} but ${source} is missing`, {
          file: source,
          hint: 'The repo history was rewritten (force-push or squash); restore it.',
        });
      }
      if (entry.recordSha256 && sha256OfBytes(bytes) !== entry.recordSha256) {
        throw new IntegrityError(`${source} does not match the sha256 its register event recorded (${entry.recordSha256.slice(0, 12)}…)`, {
          file: source,
          hint: 'The version record was replaced outside ReproML (a rewritten history); restore the repo.',
        });
      }
      stored = parseConfig({ schema: storedVersionSchema, value: JSON.parse(new TextDecoder().decode(bytes)), file: source });
      if (stored.version !== number || stored.fingerprint !== entry.fingerprint) {
        throw new IntegrityError(
          `${source} is v${stored.version} (fingerprint ${stored.fingerprint.slice(0, 12)}…), but the audit log says v${number} (${entry.fingerprint.slice(0, 12)}…)`,
          {
            file: source,
            hint: 'The version commit does not belong to this log entry: the repo was edited outside ReproML.',
          },
        );
      }
      if (entry.recordSha256 && bytes !== fromCache) {
        await mkdir(dirname(cached), { recursive: true });
        await writeFileAtomic(cached, bytes);
      }
      this.versions.set(location.commit, stored);
    }
    return { ...stored, location };
  }

  /** One commit on main with the version's files and its record; files of the previous version that this one lacks are deleted. */
  private async commitVersion(snapshot: Snapshot, files: RegisterVersionParams['files'], stored: Omit<ModelVersion, 'location'>): Promise<string> {
    const present: string[] = [];
    for await (const entry of (await hubClient()).listFiles({
      ...this.common(),
      repo: { type: 'model', name: snapshot.repo },
      revision: snapshot.head,
      recursive: true,
    })) {
      if (entry.type === 'file') present.push(entry.path);
    }
    const keep = new Set([...files.map((file) => file.path), HUB_VERSION_FILE, ...REPO_FILES]);
    const operations: CommitOperation[] = [];
    for (const file of files) operations.push({ operation: 'addOrUpdate', path: file.path, content: await openAsBlob(file.absolutePath) });
    operations.push({ operation: 'addOrUpdate', path: HUB_VERSION_FILE, content: new Blob([recordText(stored)]) });
    for (const path of present) if (!keep.has(path)) operations.push({ operation: 'delete', path });
    const git = stored.source.git ? ` from ${stored.source.git.commit.slice(0, 12)}` : '';
    return this.commit(snapshot, `ReproML: ${stored.model} v${stored.version} (${stored.fingerprint.slice(0, 12)}${git})`, operations);
  }

  /** Appends events to the audit log in one commit whose parent is the head they were decided on. */
  private async commitEvents(snapshot: Snapshot, events: NewAuditEvent[]): Promise<AuditEvent[]> {
    const chained: AuditEvent[] = [];
    let text = snapshot.text;
    for (const event of events) {
      const next = chainEvent([...snapshot.events, ...chained], event, this.now());
      chained.push(next.event);
      text += `${next.line}\n`;
    }
    const title = chained.map((event) => `${event.type} ${event.model} v${event.version}${'alias' in event ? ` ${event.alias}` : ''}`).join(', ');
    await this.commit(snapshot, `ReproML audit: ${title}`, [{ operation: 'addOrUpdate', path: HUB_AUDIT_FILE, content: new Blob([text]) }]);
    const model = snapshot.repo.split('/')[1]!;
    await this.checkSeen(model, { events: [...snapshot.events, ...chained], tornLines: [], tornTail: false }, `hf://${snapshot.repo}/${HUB_AUDIT_FILE}`);
    return chained;
  }

  private async commit(snapshot: Snapshot, title: string, operations: CommitOperation[]): Promise<string> {
    try {
      const output = await (await hubClient()).commit({
        ...this.common(),
        accessToken: this.options.token!,
        repo: { type: 'model', name: snapshot.repo },
        branch: 'main',
        title,
        operations,
        parentCommit: snapshot.head,
      });
      const oid = output?.commit.oid;
      if (!oid || !/^[0-9a-f]{40}$/.test(oid)) {
        throw new ReproError(`The Hub at ${this.options.hubUrl} did not return a commit id for hf://${snapshot.repo}`, {
          hint: 'Check HF_ENDPOINT: it should point at a Hugging Face Hub (or a compatible server).',
        });
      }
      return oid;
    } catch (error) {
      if (isHubApiError(error) && (error.statusCode === 412 || error.statusCode === 409)) throw new StaleHead(error.message);
      throw this.hubError(error, `committing to hf://${snapshot.repo}`);
    }
  }

  /** Runs a change again on the new head when another change landed first; gives up after `attempts`. */
  private async retrying<T>(what: string, change: () => Promise<T>): Promise<T> {
    const attempts = this.options.attempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        return await change();
      } catch (error) {
        if (!(error instanceof StaleHead)) throw error;
        if (attempt >= attempts) {
          throw new ConcurrentChangeError(
            `${what}: the registry at ${this.location} kept changing underneath (${attempts} attempts); nothing of this change was recorded`,
            {
              hint: 'Other changes are landing continuously; rerun the command.',
            },
          );
        }
        this.options.log?.(`${what}: another change landed first; retrying on the new head (${attempt}/${attempts - 1})`);
      }
    }
  }

  /** On a retry, the alias must still be where it was when the change was decided: otherwise someone else changed it meanwhile, and this change loses. */
  private checkUnmoved(snapshot: Snapshot, alias: string, expected: number | null | undefined): number | null {
    const current = snapshot.model.aliases[alias] ?? null;
    if (expected === undefined || current === expected) return current;
    const event = lastAliasEvent(snapshot.events, snapshot.repo.split('/')[1]!, alias);
    const who = event && 'approval' in event ? ` by ${event.approval.by}${event.approval.identity ? ` (${event.approval.identity})` : ''}` : '';
    throw new ConcurrentChangeError(
      `'${alias}' of ${snapshot.repo.split('/')[1]} moved from ${expected === null ? 'unset' : `v${expected}`} to v${current} (${event?.type ?? 'change'}${who}, event ${event?.seq}) while this change was being recorded: nothing was changed`,
      { hint: `Check \`reproml models show ${snapshot.repo.split('/')[1]}\`, then rerun if the change is still wanted.` },
    );
  }

  private commitOfVersion(snapshot: Snapshot, number: number | null | undefined): string | null {
    if (number === null || number === undefined) return null;
    const location = snapshot.model.versions.get(number)?.locations[0];
    return location?.type === 'hub' ? location.commit : null;
  }

  /**
   * Why the alias branch disagrees with the log, or undefined when it agrees. A branch that
   * still holds the alias's previous version is a change cut off between its log commit and
   * the branch move: `finishable`, the next change of the alias (or rerunning it) moves it.
   * Anything else was moved outside ReproML, and the registry refuses to touch the alias.
   */
  private async aliasBranchProblem(snapshot: Snapshot, alias: string): Promise<{ message: string; finishable: boolean } | undefined> {
    const actual = (await this.branchHead(snapshot.repo, alias)) ?? null;
    const version = snapshot.model.aliases[alias];
    const expected = this.commitOfVersion(snapshot, version);
    if (actual === expected) return undefined;
    const last = lastAliasEvent(snapshot.events, snapshot.repo.split('/')[1]!, alias);
    if (last && (last.type === 'promote' || last.type === 'rollback') && actual === this.commitOfVersion(snapshot, last.previous)) {
      return {
        finishable: true,
        message: `branch '${alias}' of ${snapshot.repo} is still at v${last.previous}: the last change of '${alias}' (event ${last.seq}, ${last.type} to v${last.version}) was cut off before the branch moved; rerun it to finish`,
      };
    }
    return {
      finishable: false,
      message: `branch '${alias}' of ${snapshot.repo} is at ${actual ?? 'nothing (deleted)'}, but the audit log puts '${alias}' at ${version === undefined ? 'no version' : `v${version} (commit ${expected})`}: it was moved outside ReproML`,
    };
  }

  private async checkAliasBranch(snapshot: Snapshot, alias: string): Promise<void> {
    const problem = await this.aliasBranchProblem(snapshot, alias);
    if (problem && !problem.finishable) {
      throw new IntegrityError(`Refusing to change '${alias}': ${problem.message}`, {
        hint: `Find out who moved it (the repo's activity), then point the branch back at the commit the log names (any Hub client: createBranch with overwrite), or ask an owner of ${this.options.namespace}. The registry acts only when branch and log agree.`,
      });
    }
  }

  private async moveAliasBranch(snapshot: Snapshot, alias: string, number: number): Promise<void> {
    const target = this.commitOfVersion(snapshot, number)!;
    if ((await this.branchHead(snapshot.repo, alias)) === target) return;
    try {
      await (await hubClient()).createBranch({
        ...this.common(),
        accessToken: this.options.token!,
        repo: { type: 'model', name: snapshot.repo },
        branch: alias,
        revision: target,
        overwrite: true,
      });
    } catch (error) {
      throw this.hubError(
        error,
        `moving branch '${alias}' of hf://${snapshot.repo} to v${number} (the audit log already records it: rerun the same command to finish)`,
      );
    }
    await this.options.onStep?.('alias-moved');
  }

  private assertAlias(alias: string): string {
    assertAliasName(alias);
    if (RESERVED_ALIASES.has(alias)) {
      throw new ConfigError(`'${alias}' cannot be an alias in a Hub registry: it is the branch that holds the versions and the audit log`, {
        field: 'alias',
        hint: 'Use another name, e.g. "production" or "staging".',
      });
    }
    return alias;
  }

  private commitUrl(repo: string, oid: string): string {
    return `${this.options.hubUrl}/${repo}/commit/${oid}`;
  }

  /** The client's HubApiError as a message naming the registry and what to do; never the token. */
  private hubError(error: unknown, doing: string): unknown {
    if (!isHubApiError(error)) return error;
    const detail = error.message.split('. URL:')[0];
    const hints: Record<number, string> = {
      401: 'The Hub rejected HF_TOKEN: set it to a valid token (hf_…).',
      403: `The token may not do this: changes need a token with write access to ${this.options.namespace}.`,
      404: `Check the namespace '${this.options.namespace}' and that the token may read it (a private repo of someone else answers 404).`,
    };
    return new ReproError(`HTTP ${error.statusCode} ${doing}: ${detail}`, {
      cause: error,
      hint: hints[error.statusCode] ?? (error.statusCode >= 500 ? 'The Hub kept failing after retries; try again later.' : 'See the message above.'),
    });
  }
}

/** The bytes of reproml-version.json (sorted keys): what the register event's recordSha256 covers. */
function recordText(stored: Omit<ModelVersion, 'location'>): string {
  return stableStringify(stored);
}

function emptyModel(): ReplayedModel {
  return { versions: new Map(), aliases: {}, aliasStack: {}, aliasHistory: {} };
}
