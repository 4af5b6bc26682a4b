import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  ConfigError,
  checkMetricConditions,
  describeFailedChecks,
  didYouMean,
  IntegrityError,
  parseConfig,
  ReproError,
  sha256OfFile,
  stableStringify,
  writeDirectoryAtomic,
  writeFileAtomic,
} from '@reproml/core';
import { type AuditEvent, AuditLog, type NewAuditEvent } from './audit-log';
import { GateError } from './metric-gates';
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
import { withRegistryLock } from './registry-lock';
import { assertAliasName, assertModelName, assertRelativeFilePath, resolveInside } from './safe-names';

export class ApprovalError extends ReproError {
  override name = 'ApprovalError';
  override readonly code = 'APPROVAL_REQUIRED';
}

/** Points where a test can make the registry crash, between the steps of a change. */
export type RegistryStep = 'version-written' | 'event-appended' | 'state-written';

export interface FileModelRegistryOptions {
  /** The clock of approval records and events (tests pin it). */
  now?: () => Date;
  /** Called after each step of a change; a test kills the process here to check crash safety. */
  onStep?: (step: RegistryStep) => void | Promise<void>;
}

interface ReplayedModel {
  versions: Map<number, { locations: PushLocation[]; fingerprint: string }>;
  aliases: Record<string, number>;
  /** Promotions push, rollbacks pop: what `rollback` returns to. */
  aliasStack: Record<string, number[]>;
  aliasHistory: Record<string, number[]>;
}

/**
 * The model registry in a folder (no database, no native code):
 *
 *     audit.log                          append-only hash-chained JSON Lines: the source of truth
 *     state.json                         the current aliases and versions, rebuilt from the log after every change
 *     models/<name>/versions/<n>/        version.json (immutable) and files/ (lineage; every file for local pushes)
 *
 * A change writes the version folder (atomically), then appends one event to the log
 * (fsync), then rewrites state.json (atomically). The append is the commit point: every
 * read replays the log, so a crash between any two steps leaves the registry consistent
 * (an unreferenced version folder is invisible and overwritten by the next push).
 */
export class FileModelRegistry implements ModelRegistry {
  private readonly log: AuditLog;
  private readonly now: () => Date;

  constructor(
    readonly location: string,
    private readonly options: FileModelRegistryOptions = {},
  ) {
    this.log = new AuditLog(join(location, 'audit.log'));
    this.now = options.now ?? (() => new Date());
  }

  versionDir(name: string, version: number): string {
    return resolveInside(this.location, 'models', assertModelName(name), 'versions', String(version));
  }

  async register(params: RegisterVersionParams): Promise<RegisterResult> {
    const name = assertModelName(params.version.model);
    for (const file of params.files) assertRelativeFilePath(file.path, 'files');
    return this.change(async (models) => {
      const model = models.get(name);
      const existing = model && [...model.versions].find(([, entry]) => entry.fingerprint === params.version.fingerprint);
      if (existing) {
        const [number, entry] = existing;
        const location = await this.locationFor(name, number, params, entry.locations);
        if (!location) return { version: this.readVersion(name, number), created: false, locations: entry.locations };
        await this.append({ type: 'locate', model: name, version: number, location });
        return { version: this.readVersion(name, number), created: false, locations: [...entry.locations, location] };
      }
      const number = model ? Math.max(...model.versions.keys()) + 1 : 1;
      const location: PushLocation = params.location.type === 'local' ? { type: 'local', path: this.localPath(name, number) } : params.location;
      const record: ModelVersion = { ...params.version, schemaVersion: 1, version: number, location, createdAt: this.now().toISOString() };
      await writeDirectoryAtomic(this.versionDir(name, number), async (dir) => {
        await writeFileAtomic(join(dir, 'version.json'), stableStringify(modelVersionSchema.parse(record)));
        await copyFiles(join(dir, 'files'), params.files);
      });
      await this.options.onStep?.('version-written');
      await this.append({
        type: 'register',
        model: name,
        version: number,
        fingerprint: record.fingerprint,
        artifactSha256: record.artifact.sha256,
        location,
      });
      return { version: record, created: true, locations: [location] };
    });
  }

  async listModels(): Promise<ModelSummary[]> {
    const models = this.replay();
    return [...models.keys()].sort().map((name) => {
      const model = models.get(name)!;
      return { name, versions: model.versions.size, latest: Math.max(...model.versions.keys()), aliases: { ...model.aliases } };
    });
  }

  async getModel(name: string): Promise<ModelState> {
    const models = this.replay();
    const model = this.requireModel(models, name);
    return {
      name,
      versions: [...model.versions.keys()]
        .sort((a, b) => a - b)
        .map((number) => ({ ...this.readVersion(name, number), locations: model.versions.get(number)!.locations })),
      aliases: { ...model.aliases },
      aliasHistory: structuredClone(model.aliasHistory),
    };
  }

  async getVersion(name: string, versionOrAlias: number | string): Promise<ModelVersion & { locations: PushLocation[] }> {
    const models = this.replay();
    const model = this.requireModel(models, name);
    const number = this.resolveVersion(name, model, versionOrAlias);
    return { ...this.readVersion(name, number), locations: model.versions.get(number)!.locations };
  }

  async promote(params: PromoteParams): Promise<AliasChange> {
    const alias = assertAliasName(params.alias);
    return this.change(async (models) => {
      const model = this.requireModel(models, params.model);
      const number = this.resolveVersion(params.model, model, params.version);
      const version = this.readVersion(params.model, number);
      const gates = params.gates ?? version.gates[alias] ?? {};
      const results = checkMetricConditions(gates, version.metrics);
      const reasons: string[] = [];
      const missingApproval = missingApprovalFields(params.approval);
      if (missingApproval.length) reasons.push(`no approval record (missing ${missingApproval.join(' and ')})`);
      const failures = describeFailedChecks(results);
      if (failures) reasons.push(`metric gates for '${alias}' failed: ${failures}`);
      if (reasons.length) {
        await this.append({
          type: 'promotion-rejected',
          model: params.model,
          version: number,
          alias,
          reasons,
          requestedBy: params.approval.by?.trim() || null,
          gates: results,
        });
        const where = `Promotion of ${params.model} v${number} to '${alias}' refused: ${reasons.join('; ')}`;
        if (failures) {
          throw new GateError(where, {
            field: `gates.${alias}`,
            hint: `The gates come from ${params.gateSource ?? 'the version record'}; promote a version that passes them (\`reproml models show ${params.model}\` lists each version's metrics).`,
          });
        }
        throw new ApprovalError(where, {
          hint: `Record who approves and why: reproml models promote ${params.model} ${number} ${alias} --approved-by <name> --reason "<ticket or review>"`,
        });
      }
      const previous = model.aliases[alias] ?? null;
      if (previous === number) return { event: this.lastAliasEvent(params.model, alias)!, changed: false };
      const event = await this.append({
        type: 'promote',
        model: params.model,
        version: number,
        alias,
        previous,
        approval: this.approvalRecord(params.approval),
        gates: results,
        gateSource: params.gateSource ?? 'version record',
      });
      return { event, changed: true };
    });
  }

  async rollback(params: RollbackParams): Promise<AliasChange> {
    const alias = assertAliasName(params.alias);
    return this.change(async (models) => {
      const model = this.requireModel(models, params.model);
      const current = model.aliases[alias];
      if (current === undefined) {
        throw new ReproError(`Model ${params.model} has no alias '${alias}' to roll back${didYouMean(alias, Object.keys(model.aliases))}`, {
          hint: `Aliases of ${params.model}: ${Object.keys(model.aliases).join(', ') || 'none yet'}.`,
        });
      }
      const stack = model.aliasStack[alias] ?? [];
      const history = model.aliasHistory[alias] ?? [];
      const target = params.to ?? stack[stack.length - 2];
      if (target === undefined) {
        throw new ReproError(`'${alias}' of ${params.model} has no earlier version to roll back to (it is at v${current}, its first)`, {
          hint: `Promote another version instead: reproml models promote ${params.model} <version> ${alias} …`,
        });
      }
      if (!history.includes(target) || target === current) {
        throw new ReproError(
          `v${target} of ${params.model} ${target === current ? `already holds '${alias}'` : `never held '${alias}'`}: rollback only returns to a version that held it before`,
          {
            hint: `Versions that held '${alias}': ${[...new Set(history)].map((v) => `v${v}`).join(', ')}. To move it to a new version, use promote (gates and approval apply).`,
          },
        );
      }
      const missingApproval = missingApprovalFields(params.approval);
      if (missingApproval.length) {
        throw new ApprovalError(`Rollback of '${alias}' of ${params.model} needs an approval record (missing ${missingApproval.join(' and ')})`, {
          hint: `reproml models rollback ${params.model} ${alias} --approved-by <name> --reason "<incident or ticket>"`,
        });
      }
      const event = await this.append({
        type: 'rollback',
        model: params.model,
        version: target,
        alias,
        previous: current,
        approval: this.approvalRecord(params.approval),
      });
      return { event, changed: true };
    });
  }

  async audit(params: { model?: string } = {}): Promise<AuditEvent[]> {
    const { events } = this.log.read();
    return params.model ? events.filter((event) => event.model === params.model) : events;
  }

  /** The log's torn lines (writes cut off by crashes), for `reproml models audit`. */
  auditHealth(): { events: number; tornLines: number[]; tornTail: boolean } {
    const { events, tornLines, tornTail } = this.log.read();
    return { events: events.length, tornLines, tornTail };
  }

  // ---- internals ----

  private async change<T>(body: (models: Map<string, ReplayedModel>) => Promise<T>): Promise<T> {
    mkdirSync(this.location, { recursive: true });
    return withRegistryLock({ path: join(this.location, '.lock') }, async () => {
      let result: T;
      try {
        result = await body(this.replay());
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

  private async append(event: NewAuditEvent): Promise<AuditEvent> {
    const written = this.log.append(event, this.now());
    await this.options.onStep?.('event-appended');
    return written;
  }

  private replay(): Map<string, ReplayedModel> {
    const models = new Map<string, ReplayedModel>();
    for (const event of this.log.read().events) {
      let model = models.get(event.model);
      if (!model) {
        model = { versions: new Map(), aliases: {}, aliasStack: {}, aliasHistory: {} };
        models.set(event.model, model);
      }
      switch (event.type) {
        case 'register':
          model.versions.set(event.version, { locations: [event.location], fingerprint: event.fingerprint });
          break;
        case 'locate':
          model.versions.get(event.version)?.locations.push(event.location);
          break;
        case 'promote': {
          const stack = (model.aliasStack[event.alias] ??= []);
          stack.push(event.version);
          (model.aliasHistory[event.alias] ??= []).push(event.version);
          model.aliases[event.alias] = event.version;
          break;
        }
        case 'rollback': {
          const stack = (model.aliasStack[event.alias] ??= []);
          const at = stack.lastIndexOf(event.version);
          if (at === -1) stack.push(event.version);
          else stack.length = at + 1;
          (model.aliasHistory[event.alias] ??= []).push(event.version);
          model.aliases[event.alias] = event.version;
          break;
        }
        case 'promotion-rejected':
          break;
      }
    }
    return models;
  }

  private async writeState(): Promise<void> {
    const { events } = this.log.read();
    const models = this.replay();
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
            versions: Object.fromEntries([...model.versions].map(([number, entry]) => [String(number), entry])),
          },
        ]),
      ),
    };
    await writeFileAtomic(join(this.location, 'state.json'), stableStringify(state));
  }

  private requireModel(models: Map<string, ReplayedModel>, name: string): ReplayedModel {
    assertModelName(name);
    const model = models.get(name);
    if (!model) {
      throw new ReproError(`No model '${name}' in the registry at ${this.location}${didYouMean(name, [...models.keys()])}`, {
        hint: models.size ? `Models: ${[...models.keys()].sort().join(', ')}.` : 'Nothing was pushed to this registry yet: run a push stage first.',
      });
    }
    return model;
  }

  private resolveVersion(name: string, model: ReplayedModel, versionOrAlias: number | string): number {
    const asNumber =
      typeof versionOrAlias === 'number' ? versionOrAlias : /^v?\d+$/.test(versionOrAlias) ? Number(versionOrAlias.replace(/^v/, '')) : undefined;
    const number = asNumber ?? model.aliases[versionOrAlias as string];
    if (number === undefined || !model.versions.has(number)) {
      throw new ConfigError(`${name} has no version or alias '${versionOrAlias}'`, {
        hint: `Versions: ${[...model.versions.keys()].map((v) => `v${v}`).join(', ')}; aliases: ${Object.keys(model.aliases).join(', ') || 'none'}.`,
      });
    }
    return number;
  }

  private readVersion(name: string, number: number): ModelVersion {
    const file = join(this.versionDir(name, number), 'version.json');
    if (!existsSync(file)) {
      throw new IntegrityError(`The registry's log names ${name} v${number} but ${file} is missing`, {
        file,
        hint: 'The registry folder was edited by hand or partly restored; restore it from a backup.',
      });
    }
    return parseConfig({ schema: modelVersionSchema, value: JSON.parse(readFileSync(file, 'utf8')), file });
  }

  private localPath(name: string, number: number): string {
    return `models/${name}/versions/${number}/files`;
  }

  /** A new place for an existing version, or undefined when it is already there. */
  private async locationFor(name: string, number: number, params: RegisterVersionParams, locations: PushLocation[]): Promise<PushLocation | undefined> {
    if (params.location.type === 'local') {
      if (locations.some((location) => location.type === 'local')) return undefined;
      await writeDirectoryAtomic(join(this.versionDir(name, number), 'files'), (dir) => copyFiles(dir, params.files));
      return { type: 'local', path: this.localPath(name, number) };
    }
    const hub = params.location;
    const known = locations.some(
      (location) => location.type === 'hub' && location.repo === hub.repo && location.hubUrl === hub.hubUrl && location.commit === hub.commit,
    );
    return known ? undefined : hub;
  }

  private lastAliasEvent(model: string, alias: string): AuditEvent | undefined {
    return this.log
      .read()
      .events.filter((event) => event.model === model && (event.type === 'promote' || event.type === 'rollback') && event.alias === alias)
      .pop();
  }

  private approvalRecord(approval: PromoteParams['approval']): { by: string; reason: string; at: string } {
    return { by: approval.by!.trim(), reason: approval.reason!.trim(), at: this.now().toISOString() };
  }
}

function missingApprovalFields(approval: PromoteParams['approval']): string[] {
  return [...(approval.by?.trim() ? [] : ['who approves (--approved-by)']), ...(approval.reason?.trim() ? [] : ['why (--reason)'])];
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
