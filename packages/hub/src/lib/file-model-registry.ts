import { existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { copyFile, link, lstat, mkdir, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { IntegrityError, parseConfig, ReproError, sha256OfBytes, sha256OfFile, stableStringify, writeDirectoryOnce, writeFileAtomic } from '@reproml/core';
import { type AuditCheckpoint, AuditCheckpointFile, checkpointOf, compareWithCheckpoint } from './audit-checkpoint';
import { type AuditEvent, AuditLog, type AuditLogReadout, type NewAuditEvent } from './audit-log';
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
import { scanVersionFolders, versionFolderProblems } from './registry-folders';
import { withRegistryLock } from './registry-lock';
import { decidePromotion, decideRollback, lastAliasEvent, type ReplayedModel, replayEvents, requireModel, resolveVersion } from './registry-rules';
import { assertAliasName, assertModelName, assertRelativeFilePath, resolveInside } from './safe-names';

/** Points where a test can make the registry crash, between the steps of a change. */
export type RegistryStep = 'pending-written' | 'version-written' | 'event-appended' | 'checkpoint-written' | 'state-written';

/** The log's condition as the last read found it (for `reproml models audit`). */
export interface AuditHealth {
  events: number;
  lastHash: string | null;
  /** Lines cut off by a crash mid-write (skipped; never committed events). */
  tornLines: number[];
  tornTail: boolean;
  /** Where the checkpoint came from: its own file, state.json of a registry written before checkpoints, or none yet (empty registry). */
  checkpoint: 'checkpoint' | 'state.json' | 'none';
  /** Events appended after the checkpoint was last written (1 after a crash in between; repaired by the next change). */
  checkpointBehindBy: number;
  /** A version folder written by a register that has not committed its event (a crash, or a push in progress). */
  pending: { model: string; version: number } | null;
}

export interface FileModelRegistryOptions {
  /** The clock of approval records and events (tests pin it). */
  now?: () => Date;
  /** Called after each step of a change; a test kills the process here to check crash safety. */
  onStep?: (step: RegistryStep) => void | Promise<void>;
}

/** One consistent read of the registry: the verified log, its checkpoint, and the replayed models. */
interface RegistrySnapshot {
  readout: AuditLogReadout;
  checkpoint: AuditCheckpoint;
  health: AuditHealth;
  models: Map<string, ReplayedModel>;
}

/**
 * The model registry in a folder (no database, no native code):
 *
 *     audit.log                          append-only hash-chained JSON Lines: the source of truth
 *     audit.checkpoint                   event count + last hash after the last change (catches removed events)
 *     state.json                         the current aliases and versions, rebuilt from the log after every change
 *     models/<name>/versions/<n>/        version.json (write-once) and files/ (lineage; every file for local pushes)
 *
 * A register first names the version it is about to write in the checkpoint (`pending`),
 * writes the version folder (write-once: it is never replaced), appends one event to the
 * log (fsync), then writes the checkpoint (durably) and state.json. The append is the
 * commit point. Every read verifies the chain, the checkpoint and the version folders and
 * replays the log, so a crash between any two steps leaves a registry that opens and is
 * consistent: the log may be one event ahead of the checkpoint, and the pending folder is
 * invisible until its event exists; the next change repairs both. Anything else (removed
 * events, an unregistered or symlinked version folder, an edited version.json) is an
 * IntegrityError, and the registry refuses to act.
 */
export class FileModelRegistry implements ModelRegistry {
  readonly kind = 'folder' as const;
  private readonly log: AuditLog;
  private readonly checkpointFile: AuditCheckpointFile;
  private readonly now: () => Date;

  constructor(
    readonly location: string,
    private readonly options: FileModelRegistryOptions = {},
  ) {
    this.log = new AuditLog(join(location, 'audit.log'));
    this.checkpointFile = new AuditCheckpointFile(join(location, 'audit.checkpoint'));
    this.now = options.now ?? (() => new Date());
  }

  versionDir(name: string, version: number): string {
    return resolveInside(this.location, 'models', assertModelName(name), 'versions', String(version));
  }

  async register(params: RegisterVersionParams): Promise<RegisterResult> {
    const name = assertModelName(params.version.model);
    for (const file of params.files) assertRelativeFilePath(file.path, 'files');
    return this.change(async (snapshot) => {
      const model = snapshot.models.get(name);
      const existing = model && [...model.versions].find(([, entry]) => entry.fingerprint === params.version.fingerprint);
      if (existing) {
        const [number, entry] = existing;
        const stored = this.readVersion(name, number, entry);
        const location = await this.locationFor(name, stored, params, entry.locations);
        if (!location) return { version: stored, created: false, locations: entry.locations };
        await this.append({ type: 'locate', model: name, version: number, location });
        return { version: stored, created: false, locations: [...entry.locations, location] };
      }
      const number = model ? Math.max(...model.versions.keys()) + 1 : 1;
      const location: PushLocation = params.location.type === 'local' ? { type: 'local', path: this.localPath(name, number) } : params.location;
      const record: ModelVersion = { ...params.version, schemaVersion: 1, version: number, location, createdAt: this.now().toISOString() };
      const recordText = stableStringify(modelVersionSchema.parse(record));
      // Name the folder before writing it: a crash before the append leaves a folder the next read knows is not committed.
      await this.checkpointFile.write(checkpointOf(snapshot.readout.events, { model: name, version: number }));
      await this.options.onStep?.('pending-written');
      await writeDirectoryOnce(this.versionDir(name, number), async (dir) => {
        await writeFileAtomic(join(dir, 'version.json'), recordText);
        await copyFiles(join(dir, 'files'), params.files);
      });
      await this.options.onStep?.('version-written');
      await this.append({
        type: 'register',
        model: name,
        version: number,
        fingerprint: record.fingerprint,
        artifactSha256: record.artifact.sha256,
        recordSha256: sha256OfBytes(recordText),
        location,
      });
      return { version: record, created: true, locations: [location] };
    });
  }

  async listModels(): Promise<ModelSummary[]> {
    const { models } = await this.open();
    return [...models.keys()].sort().map((name) => {
      const model = models.get(name)!;
      return { name, versions: model.versions.size, latest: Math.max(...model.versions.keys()), aliases: { ...model.aliases } };
    });
  }

  async getModel(name: string): Promise<ModelState> {
    const { models } = await this.open();
    const model = this.requireModel(models, name);
    return {
      name,
      versions: [...model.versions.keys()]
        .sort((a, b) => a - b)
        .map((number) => {
          const entry = model.versions.get(number)!;
          return { ...this.readVersion(name, number, entry), locations: entry.locations };
        }),
      aliases: { ...model.aliases },
      aliasHistory: structuredClone(model.aliasHistory),
    };
  }

  async getVersion(name: string, versionOrAlias: number | string): Promise<ModelVersion & { locations: PushLocation[] }> {
    const { models } = await this.open();
    const model = this.requireModel(models, name);
    const number = this.resolveVersion(name, model, versionOrAlias);
    const entry = model.versions.get(number)!;
    return { ...this.readVersion(name, number, entry), locations: entry.locations };
  }

  async promote(params: PromoteParams): Promise<AliasChange> {
    const alias = assertAliasName(params.alias);
    return this.change(async ({ models, readout }) => {
      const model = this.requireModel(models, params.model);
      const number = this.resolveVersion(params.model, model, params.version);
      const version = this.readVersion(params.model, number, model.versions.get(number)!);
      const decision = decidePromotion({ request: params, alias, number, model, version, approval: { at: this.now().toISOString() } });
      if (decision.kind === 'rejected') {
        await this.append(decision.event);
        throw decision.error;
      }
      if (decision.kind === 'unchanged') return { event: lastAliasEvent(readout.events, params.model, alias)!, changed: false };
      return { event: await this.append(decision.event), changed: true };
    });
  }

  async rollback(params: RollbackParams): Promise<AliasChange> {
    const alias = assertAliasName(params.alias);
    return this.change(async ({ models }) => {
      const model = this.requireModel(models, params.model);
      const event = decideRollback({ request: params, alias, model, approval: { at: this.now().toISOString() } });
      return { event: await this.append(event), changed: true };
    });
  }

  async audit(params: { model?: string } = {}): Promise<AuditEvent[]> {
    const { readout } = await this.open();
    return params.model ? readout.events.filter((event) => event.model === params.model) : readout.events;
  }

  /** The log's condition (torn lines, checkpoint, pending version), after verifying it. */
  async auditHealth(): Promise<AuditHealth> {
    return (await this.open()).health;
  }

  /**
   * Checks every stored file of every version against the sha256 in its version.json (a
   * swapped model.onnx, an edited model card). Returns the problems; empty = all intact.
   */
  async versionFiles(name: string, version: number): Promise<string> {
    return join(this.versionDir(name, version), 'files');
  }

  async verifyStoredFiles(): Promise<string[]> {
    const { models } = await this.open();
    const problems: string[] = [];
    for (const [name, model] of [...models].sort(([a], [b]) => a.localeCompare(b))) {
      for (const [number, entry] of [...model.versions].sort(([a], [b]) => a - b)) {
        const version = this.readVersion(name, number, entry);
        const local = entry.locations.some((location) => location.type === 'local');
        for (const file of version.files) {
          const path = resolveInside(this.versionDir(name, number), 'files', assertRelativeFilePath(file.path));
          const relative = `models/${name}/versions/${number}/files/${file.path}`;
          const stat = lstatSync(path, { throwIfNoEntry: false });
          if (!stat) {
            // A Hub version keeps every file but the model here; a local version keeps all of them.
            if (local || file.path !== version.artifact.path) problems.push(`${relative} is missing`);
            continue;
          }
          if (!stat.isFile()) problems.push(`${relative} is not a regular file${stat.isSymbolicLink() ? ' (a symbolic link)' : ''}`);
          else if ((await sha256OfFile(path)) !== file.sha256)
            problems.push(`${relative} does not match its sha256 in version.json (${file.sha256.slice(0, 12)}…)`);
        }
      }
    }
    return problems;
  }

  // ---- internals ----

  private async change<T>(body: (snapshot: RegistrySnapshot) => Promise<T>): Promise<T> {
    mkdirSync(this.location, { recursive: true });
    return withRegistryLock({ path: join(this.location, '.lock') }, async () => {
      const snapshot = await this.repair(await this.open());
      let result: T;
      try {
        result = await body(snapshot);
      } catch (error) {
        // A refused promotion is still an event: keep state.json in step with the log.
        await this.writeState().catch(() => undefined);
        throw error;
      }
      await this.writeState();
      await this.options.onStep?.('state-written');
      return result;
    });
  }

  /**
   * Under the lock, finishes what a crashed change left: writes the checkpoint the log is one
   * event ahead of, and removes a pending version folder whose event was never appended
   * (it was never part of the registry; its number is free again).
   */
  private async repair(snapshot: RegistrySnapshot): Promise<RegistrySnapshot> {
    const { health, checkpoint } = snapshot;
    const pending = checkpoint.pending;
    if (health.checkpoint === 'checkpoint' && health.checkpointBehindBy === 0 && !pending) return snapshot;
    if (pending && !snapshot.models.get(pending.model)?.versions.has(pending.version)) {
      await rm(this.versionDir(pending.model, pending.version), { recursive: true, force: true });
    }
    await this.checkpointFile.write(checkpointOf(snapshot.readout.events));
    return this.open();
  }

  private async append(event: NewAuditEvent): Promise<AuditEvent> {
    const written = this.log.append(event, this.now());
    await this.options.onStep?.('event-appended');
    await this.checkpointFile.write({ schemaVersion: 1, events: written.seq, lastHash: written.hash, pending: null });
    await this.options.onStep?.('checkpoint-written');
    return written;
  }

  /**
   * One consistent, verified read. The checkpoint is read before and after the log and the
   * folders; if a writer changed it in between, the read is repeated, so a reader never
   * mistakes a change in progress for tampering.
   */
  private async open(): Promise<RegistrySnapshot> {
    for (let attempt = 0; attempt < 40; attempt++) {
      const before = this.checkpointFile.readRaw();
      const readout = this.log.read();
      const found = scanVersionFolders(this.location);
      if (this.checkpointFile.readRaw() !== before) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        continue;
      }
      return this.verify(readout, found);
    }
    throw new ReproError(`The registry at ${this.location} kept changing while it was being read`, {
      hint: 'Another process is writing to it continuously; retry when it is done.',
    });
  }

  private verify(readout: AuditLogReadout, found: ReturnType<typeof scanVersionFolders>): RegistrySnapshot {
    const { checkpoint, source } = this.effectiveCheckpoint(readout);
    const comparison = compareWithCheckpoint(readout, checkpoint);
    const behindBy = comparison.status === 'ahead' ? comparison.by : 0;
    if (comparison.status === 'broken' || behindBy > 1) {
      const problem =
        comparison.status === 'broken'
          ? comparison.problem
          : `${behindBy} events were appended after the last checkpoint (ReproML appends one event per change and writes the checkpoint right after it)`;
      throw this.tampered(`its audit log does not match its checkpoint: ${problem}`, checkpoint);
    }
    const models = replayEvents(readout.events);
    const registered = new Map([...models].map(([name, model]) => [name, new Set(model.versions.keys())]));
    const problems = versionFolderProblems({ found, registered, pending: checkpoint.pending });
    if (problems.length) throw this.tampered(`its version folders do not match its audit log: ${problems.join('; ')}`, checkpoint);
    const health: AuditHealth = {
      events: readout.events.length,
      lastHash: readout.events[readout.events.length - 1]?.hash ?? null,
      tornLines: readout.tornLines,
      tornTail: readout.tornTail,
      checkpoint: source,
      checkpointBehindBy: behindBy,
      pending: checkpoint.pending && !models.get(checkpoint.pending.model)?.versions.has(checkpoint.pending.version) ? checkpoint.pending : null,
    };
    return { readout, checkpoint, health, models };
  }

  /** The checkpoint file; for a registry written before checkpoints, the count and hash its state.json kept. */
  private effectiveCheckpoint(readout: AuditLogReadout): { checkpoint: AuditCheckpoint; source: AuditHealth['checkpoint'] } {
    const checkpoint = this.checkpointFile.read();
    if (checkpoint) return { checkpoint, source: 'checkpoint' };
    const legacy = readLegacyCheckpoint(join(this.location, 'state.json'));
    if (legacy) return { checkpoint: { schemaVersion: 1, ...legacy, pending: null }, source: 'state.json' };
    if (readout.events.length === 0) return { checkpoint: checkpointOf([]), source: 'none' };
    throw new IntegrityError(
      `The registry at ${this.location} has ${readout.events.length} event(s) in audit.log but no checkpoint (audit.checkpoint and state.json are missing), so removed events cannot be ruled out`,
      {
        file: this.checkpointFile.path,
        hint: 'Restore audit.checkpoint (or the whole registry folder) from a backup; the registry refuses to act until then.',
      },
    );
  }

  private tampered(problem: string, checkpoint: AuditCheckpoint): IntegrityError {
    return new IntegrityError(`The model registry at ${this.location} was tampered with or damaged: ${problem}`, {
      file: this.log.path,
      hint: `Restore the registry folder (audit.log, audit.checkpoint, models/) from a backup: the checkpoint expects ${checkpoint.events} event(s) ending with hash ${String(checkpoint.lastHash).slice(0, 16)}…. The registry refuses every change and read until then, so nothing is pushed over or promoted on a log that lost events.`,
    });
  }

  private async writeState(): Promise<void> {
    const { events } = this.log.read();
    const models = replayEvents(events);
    const state = {
      schemaVersion: 1,
      note: 'Derived from audit.log after every change; the log is the source of truth.',
      events: events.length,
      lastHash: events[events.length - 1]?.hash ?? null,
      models: Object.fromEntries(
        [...models].map(([name, model]) => [
          name,
          {
            aliases: model.aliases,
            versions: Object.fromEntries(
              [...model.versions].map(([number, entry]) => [String(number), { fingerprint: entry.fingerprint, locations: entry.locations }]),
            ),
          },
        ]),
      ),
    };
    await writeFileAtomic(join(this.location, 'state.json'), stableStringify(state));
  }

  private requireModel(models: Map<string, ReplayedModel>, name: string): ReplayedModel {
    return requireModel(models, name, this.location);
  }

  private resolveVersion(name: string, model: ReplayedModel, versionOrAlias: number | string): number {
    return resolveVersion(name, model, versionOrAlias);
  }

  /** version.json of a registered version, checked against its register event (a regular file, the recorded sha256, fingerprint and model sha256). */
  private readVersion(name: string, number: number, entry: { fingerprint: string; artifactSha256: string; recordSha256?: string }): ModelVersion {
    const file = join(this.versionDir(name, number), 'version.json');
    const stat = lstatSync(file, { throwIfNoEntry: false });
    if (!stat?.isFile()) {
      throw new IntegrityError(`The registry's log names ${name} v${number} but ${file} is ${stat ? 'not a regular file' : 'missing'}`, {
        file,
        hint: 'The registry folder was edited by hand or partly restored; restore it from a backup.',
      });
    }
    const bytes = readFileSync(file);
    const edited = entry.recordSha256 !== undefined && sha256OfBytes(bytes) !== entry.recordSha256;
    const version = edited ? undefined : parseConfig({ schema: modelVersionSchema, value: JSON.parse(bytes.toString('utf8')), file });
    if (!version || version.fingerprint !== entry.fingerprint || version.artifact.sha256 !== entry.artifactSha256 || version.version !== number) {
      throw new IntegrityError(`${file} was edited after ${name} v${number} was registered: it does not match its register event in audit.log`, {
        file,
        hint: 'Version records are write-once; restore the version folder from a backup (its metrics, gates or provenance may have been changed).',
      });
    }
    return version;
  }

  private localPath(name: string, number: number): string {
    return `models/${name}/versions/${number}/files`;
  }

  /**
   * A new place for an existing version, or undefined when it is already there. A local
   * copy of a Hub version adds the files the folder lacks (the model), each checked against
   * the sha256 recorded in version.json; no stored file is ever replaced.
   */
  private async locationFor(name: string, stored: ModelVersion, params: RegisterVersionParams, locations: PushLocation[]): Promise<PushLocation | undefined> {
    if (params.location.type === 'local') {
      if (locations.some((location) => location.type === 'local')) return undefined;
      await addMissingFiles(join(this.versionDir(name, stored.version), 'files'), stored, params.files);
      return { type: 'local', path: this.localPath(name, stored.version) };
    }
    const hub = params.location;
    const known = locations.some(
      (location) => location.type === 'hub' && location.repo === hub.repo && location.hubUrl === hub.hubUrl && location.commit === hub.commit,
    );
    return known ? undefined : hub;
  }
}

/** The event count and last hash that state.json kept before registries had a checkpoint file. */
function readLegacyCheckpoint(path: string): { events: number; lastHash: string | null } | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as { events?: unknown; lastHash?: unknown };
    if (typeof state.events === 'number' && Number.isInteger(state.events) && (typeof state.lastHash === 'string' || state.lastHash === null)) {
      return { events: state.events, lastHash: state.lastHash };
    }
  } catch {
    // unreadable: no legacy checkpoint
  }
  return undefined;
}

async function copyFiles(dir: string, files: RegisterVersionParams['files']): Promise<void> {
  for (const file of files) {
    const target = resolveInside(dir, assertRelativeFilePath(file.path));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(file.absolutePath, target);
    const copied = await sha256OfFile(target);
    if (copied !== file.sha256) {
      throw new IntegrityError(`${file.path} changed while it was being pushed (sha256 ${copied}, expected ${file.sha256})`, {
        file: file.absolutePath,
        hint: 'Do not rewrite stage outputs during a push; rerun the push.',
      });
    }
  }
}

/**
 * Adds to a version's files/ folder the recorded files it does not hold yet (a local copy of
 * a Hub version gains its model). Each must have the sha256 version.json records; a file
 * that is already there is never replaced (link(2) refuses an existing name).
 */
async function addMissingFiles(dir: string, stored: ModelVersion, files: RegisterVersionParams['files']): Promise<void> {
  for (const recorded of stored.files) {
    const target = resolveInside(dir, assertRelativeFilePath(recorded.path));
    if (await lstat(target).catch(() => undefined)) continue;
    const source = files.find((file) => file.path === recorded.path && file.sha256 === recorded.sha256);
    if (!source) continue; // e.g. a model card that names another commit: the stored one stays
    await mkdir(dirname(target), { recursive: true });
    const temp = `${target}.adding-${process.pid}`;
    await copyFiles(dirname(temp), [{ ...source, path: temp.slice(dirname(temp).length + 1) }]);
    try {
      await link(temp, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }
}
