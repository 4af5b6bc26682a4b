import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { IntegrityError, ReproError, sha256OfFile } from '@reproml/core';
import type { AuditEvent } from './audit-log';
import type { ModelRegistry, ModelState, NewModelVersion } from './model-registry';
import type { ModelVersion } from './model-version';
import { assertRelativeFilePath, resolveInside } from './safe-names';

export interface CopyRegistryParams {
  from: ModelRegistry;
  to: ModelRegistry;
  /** Only these models (default: all). */
  models?: string[];
  log?: (message: string) => void;
}

export interface CopiedModel {
  name: string;
  /** Versions registered in the target by this copy (the others were there already). */
  versionsCopied: number;
  versions: number;
  aliasChangesCopied: number;
  /** Refused promotions of the source: history of the source, not replayed. */
  rejectedSkipped: number;
  aliases: Record<string, number>;
}

export interface CopyRegistryResult {
  from: string;
  to: string;
  models: CopiedModel[];
}

/**
 * Copies models from one registry to another (a folder to the Hub and back): every version
 * in order, with the same number and fingerprint (each file checked against its sha256
 * first), then every promotion and rollback in log order, with the approver's words and a
 * note of where and when it was approved. The target writes its own events (its own hash
 * chain, and on the Hub its own `whoami` identity). Idempotent: what the target already
 * holds is checked and skipped, so an interrupted copy is finished by running it again.
 * Verified at the end: same versions, fingerprints and aliases on both sides.
 */
export async function copyRegistry(params: CopyRegistryParams): Promise<CopyRegistryResult> {
  const { from, to } = params;
  const names = params.models ?? (await from.listModels()).map((model) => model.name);
  const models: CopiedModel[] = [];
  for (const name of names) {
    const source = await from.getModel(name);
    const events = await from.audit({ model: name });
    const target = await modelOrUndefined(to, name);
    let versionsCopied = 0;
    for (const version of source.versions) {
      const existing = target?.versions.find((entry) => entry.version === version.version);
      if (existing) {
        if (existing.fingerprint !== version.fingerprint) {
          throw new IntegrityError(
            `${name} v${version.version} differs between ${from.location} and ${to.location} (fingerprints ${version.fingerprint.slice(0, 12)}… and ${existing.fingerprint.slice(0, 12)}…)`,
            {
              hint: 'The two registries have different histories for this model: copy into an empty registry, or choose other models with --model.',
            },
          );
        }
        continue;
      }
      params.log?.(`${name} v${version.version}: copying ${version.files.length} file(s)`);
      const files = await checkedFiles(from, name, version);
      const registered = await to.register({ version: newVersionOf(version), location: { type: 'local' }, files });
      if (registered.version.version !== version.version || registered.version.fingerprint !== version.fingerprint) {
        throw new IntegrityError(
          `${name} v${version.version} became v${registered.version.version} in ${to.location}: the target already had other versions of ${name}`,
          { hint: 'Copy into a registry that has no versions of this model, or only the ones the source has.' },
        );
      }
      versionsCopied++;
    }
    const aliasEvents = events.filter((event) => event.type === 'promote' || event.type === 'rollback');
    const done = (await modelOrUndefined(to, name))?.aliasHistory ?? {};
    const applied: Record<string, number> = {};
    let aliasChangesCopied = 0;
    for (const event of aliasEvents) {
      if (event.type !== 'promote' && event.type !== 'rollback') continue;
      const index = applied[event.alias] ?? 0;
      applied[event.alias] = index + 1;
      const history = done[event.alias] ?? [];
      if (index < history.length) {
        if (history[index] !== event.version) {
          throw new IntegrityError(
            `'${event.alias}' of ${name} has another history in ${to.location} (v${history[index]} where ${from.location} has v${event.version})`,
            {
              hint: 'Copy into a registry that has no alias changes of this model.',
            },
          );
        }
        continue;
      }
      await copyAliasEvent(to, from.location, event);
      aliasChangesCopied++;
    }
    const copied = await to.getModel(name);
    verifySame(source, copied, from.location, to.location);
    params.log?.(`${name}: ${copied.versions.length} version(s), aliases ${describeAliases(copied.aliases)} — verified`);
    models.push({
      name,
      versionsCopied,
      versions: copied.versions.length,
      aliasChangesCopied,
      rejectedSkipped: events.filter((event) => event.type === 'promotion-rejected').length,
      aliases: copied.aliases,
    });
  }
  return { from: from.location, to: to.location, models };
}

async function modelOrUndefined(registry: ModelRegistry, name: string): Promise<ModelState | undefined> {
  const listed = await registry.listModels();
  return listed.some((model) => model.name === name) ? registry.getModel(name) : undefined;
}

/** The version's files from the source registry, each checked against its recorded sha256. */
async function checkedFiles(from: ModelRegistry, name: string, version: ModelVersion) {
  const dir = await from.versionFiles(name, version.version);
  const files = [];
  for (const file of version.files) {
    const absolutePath = resolveInside(dir, assertRelativeFilePath(file.path));
    if (!existsSync(absolutePath)) {
      throw new ReproError(
        `${name} v${version.version} has no ${file.path} in ${from.location} (it was pushed to ${version.location.type === 'hub' ? version.location.url : 'another place'})`,
        {
          hint: 'Only versions whose files the registry holds can be copied: push the model to the registry itself (target "registry").',
        },
      );
    }
    const sha256 = await sha256OfFile(absolutePath);
    if (sha256 !== file.sha256) {
      throw new IntegrityError(
        `${join(dir, file.path)} does not match the sha256 recorded for ${name} v${version.version} (${sha256.slice(0, 12)}…, recorded ${file.sha256.slice(0, 12)}…)`,
        {
          file: absolutePath,
          hint: 'The source registry holds damaged files: run `reproml models audit` there and restore it before copying.',
        },
      );
    }
    files.push({ ...file, absolutePath });
  }
  return files;
}

function newVersionOf(version: ModelVersion & { locations?: unknown }): NewModelVersion {
  const { version: _number, createdAt: _createdAt, location: _location, schemaVersion: _schema, locations: _locations, ...rest } = version;
  return rest;
}

/** A promotion or rollback of the source, made again in the target with the same approval words and where they came from. */
async function copyAliasEvent(to: ModelRegistry, fromLocation: string, event: Extract<AuditEvent, { type: 'promote' | 'rollback' }>): Promise<void> {
  const origin = `copied from ${fromLocation} event ${event.seq}, approved at ${event.approval.at}${event.approval.identity ? ` with the token of ${event.approval.identity}` : ''}`;
  const approval = { by: event.approval.by, reason: `${event.approval.reason} (${origin})` };
  if (event.type === 'promote') {
    const gates = event.gates.map((gate) => `${gate.metric} ${gate.condition}`).join(', ') || 'none';
    await to.promote({
      model: event.model,
      version: event.version,
      alias: event.alias,
      approval,
      gates: {},
      gateSource: `${origin}; gates checked there: ${gates}`,
    });
  } else {
    await to.rollback({ model: event.model, alias: event.alias, to: event.version, approval });
  }
}

function verifySame(source: ModelState, copied: ModelState, from: string, to: string): void {
  const print = (state: ModelState) =>
    JSON.stringify({ versions: state.versions.map((version) => [version.version, version.fingerprint]), aliases: state.aliases, history: state.aliasHistory });
  if (print(source) !== print(copied)) {
    throw new IntegrityError(`After the copy, ${source.name} differs between ${from} and ${to}: ${print(source)} vs ${print(copied)}`, {
      hint: 'Someone changed one of the registries during the copy; run the copy again.',
    });
  }
}

function describeAliases(aliases: Record<string, number>): string {
  return (
    Object.entries(aliases)
      .map(([alias, version]) => `${alias}=v${version}`)
      .join(' ') || 'none'
  );
}
