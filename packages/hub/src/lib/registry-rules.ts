import { ConfigError, checkMetricConditions, describeFailedChecks, didYouMean, ReproError } from '@reproml/core';
import type { AuditEvent, NewAuditEvent } from './audit-log';
import { GateError } from './metric-gates';
import type { ApprovalRequest, PromoteParams, RollbackParams } from './model-registry';
import type { Approval, ModelVersion, PushLocation } from './model-version';
import { assertModelName } from './safe-names';

/**
 * The registry's rules, shared by every backend (a folder, a Hub namespace): how the audit
 * log replays into versions and aliases, and when a promotion or a rollback is allowed.
 * A backend only stores events and files; it never decides.
 */

export class ApprovalError extends ReproError {
  override name = 'ApprovalError';
  override readonly code = 'APPROVAL_REQUIRED';
}

export interface ReplayedModel {
  versions: Map<number, { locations: PushLocation[]; fingerprint: string; artifactSha256: string; recordSha256?: string }>;
  aliases: Record<string, number>;
  /** Promotions push, rollbacks pop: what `rollback` returns to. */
  aliasStack: Record<string, number[]>;
  aliasHistory: Record<string, number[]>;
}

/** Versions and aliases of every model named in the events, in log order. */
export function replayEvents(events: readonly AuditEvent[]): Map<string, ReplayedModel> {
  const models = new Map<string, ReplayedModel>();
  for (const event of events) {
    let model = models.get(event.model);
    if (!model) {
      model = { versions: new Map(), aliases: {}, aliasStack: {}, aliasHistory: {} };
      models.set(event.model, model);
    }
    switch (event.type) {
      case 'register':
        model.versions.set(event.version, {
          locations: [event.location],
          fingerprint: event.fingerprint,
          artifactSha256: event.artifactSha256,
          ...(event.recordSha256 ? { recordSha256: event.recordSha256 } : {}),
        });
        break;
      case 'locate':
        model.versions.get(event.version)?.locations.push(event.location);
        break;
      case 'promote': {
        (model.aliasStack[event.alias] ??= []).push(event.version);
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

export function requireModel(models: Map<string, ReplayedModel>, name: string, where: string): ReplayedModel {
  assertModelName(name);
  const model = models.get(name);
  if (!model) {
    throw new ReproError(`No model '${name}' in the registry at ${where}${didYouMean(name, [...models.keys()])}`, {
      hint: models.size ? `Models: ${[...models.keys()].sort().join(', ')}.` : 'Nothing was pushed to this registry yet: run a push stage first.',
    });
  }
  return model;
}

/** A version number (`3`, `v3`) or an alias (`production`) → the version number. */
export function resolveVersion(name: string, model: ReplayedModel, versionOrAlias: number | string): number {
  const asNumber = typeof versionOrAlias === 'number' ? versionOrAlias : /^v?\d+$/.test(versionOrAlias) ? Number(versionOrAlias.replace(/^v/, '')) : undefined;
  const number = asNumber ?? model.aliases[versionOrAlias as string];
  if (number === undefined || !model.versions.has(number)) {
    throw new ConfigError(`${name} has no version or alias '${versionOrAlias}'`, {
      hint: `Versions: ${[...model.versions.keys()].map((v) => `v${v}`).join(', ')}; aliases: ${Object.keys(model.aliases).join(', ') || 'none'}.`,
    });
  }
  return number;
}

export type PromotionDecision =
  /** Refused: log `event`, then throw `error`. */
  | { kind: 'rejected'; event: NewAuditEvent; error: ReproError }
  /** The alias already points at the version. */
  | { kind: 'unchanged' }
  | { kind: 'promote'; event: NewAuditEvent };

/** Approval and gates of a promotion, checked against the version's recorded metrics. */
export function decidePromotion(params: {
  request: PromoteParams;
  alias: string;
  number: number;
  model: ReplayedModel;
  version: ModelVersion;
  approval: { at: string; identity?: string };
}): PromotionDecision {
  const { request, alias, number, version } = params;
  const gates = request.gates ?? version.gates[alias] ?? {};
  const results = checkMetricConditions(gates, version.metrics);
  const reasons: string[] = [];
  const missingApproval = missingApprovalFields(request.approval);
  if (missingApproval.length) reasons.push(`no approval record (missing ${missingApproval.join(' and ')})`);
  const failures = describeFailedChecks(results);
  if (failures) reasons.push(`metric gates for '${alias}' failed: ${failures}`);
  if (reasons.length) {
    const where = `Promotion of ${request.model} v${number} to '${alias}' refused: ${reasons.join('; ')}`;
    const error = failures
      ? new GateError(where, {
          field: `gates.${alias}`,
          hint: `${unknownMetricsHint(results, version.metrics)}The gates come from ${request.gateSource ?? 'the version record'}; promote a version that passes them (\`reproml models show ${request.model}\` lists each version's metrics).`,
        })
      : new ApprovalError(where, {
          hint: `Record who approves and why: reproml models promote ${request.model} ${number} ${alias} --approved-by <name> --reason "<ticket or review>"`,
        });
    return {
      kind: 'rejected',
      error,
      event: {
        type: 'promotion-rejected',
        model: request.model,
        version: number,
        alias,
        reasons,
        requestedBy: request.approval.by?.trim() || null,
        gates: results,
      },
    };
  }
  const previous = params.model.aliases[alias] ?? null;
  if (previous === number) return { kind: 'unchanged' };
  return {
    kind: 'promote',
    event: {
      type: 'promote',
      model: request.model,
      version: number,
      alias,
      previous,
      approval: approvalRecord(request.approval, params.approval),
      gates: results,
      gateSource: request.gateSource ?? 'version record',
    },
  };
}

/** Where a rollback goes (the version before, or `to`, which must have held the alias), with its approval. Throws when refused. */
export function decideRollback(params: {
  request: RollbackParams;
  alias: string;
  model: ReplayedModel;
  approval: { at: string; identity?: string };
}): NewAuditEvent {
  const { request, alias, model } = params;
  const current = model.aliases[alias];
  if (current === undefined) {
    throw new ReproError(`Model ${request.model} has no alias '${alias}' to roll back${didYouMean(alias, Object.keys(model.aliases))}`, {
      hint: `Aliases of ${request.model}: ${Object.keys(model.aliases).join(', ') || 'none yet'}.`,
    });
  }
  const stack = model.aliasStack[alias] ?? [];
  const history = model.aliasHistory[alias] ?? [];
  const target = request.to ?? stack[stack.length - 2];
  if (target === undefined) {
    throw new ReproError(`'${alias}' of ${request.model} has no earlier version to roll back to (it is at v${current}, its first)`, {
      hint: `Promote another version instead: reproml models promote ${request.model} <version> ${alias} …`,
    });
  }
  if (!history.includes(target) || target === current) {
    throw new ReproError(
      `v${target} of ${request.model} ${target === current ? `already holds '${alias}'` : `never held '${alias}'`}: rollback only returns to a version that held it before`,
      {
        hint: `Versions that held '${alias}': ${[...new Set(history)].map((v) => `v${v}`).join(', ')}. To move it to a new version, use promote (gates and approval apply).`,
      },
    );
  }
  const missingApproval = missingApprovalFields(request.approval);
  if (missingApproval.length) {
    throw new ApprovalError(`Rollback of '${alias}' of ${request.model} needs an approval record (missing ${missingApproval.join(' and ')})`, {
      hint: `reproml models rollback ${request.model} ${alias} --approved-by <name> --reason "<incident or ticket>"`,
    });
  }
  return {
    type: 'rollback',
    model: request.model,
    version: target,
    alias,
    previous: current,
    approval: approvalRecord(request.approval, params.approval),
  };
}

/** The last promote or rollback of an alias. */
export function lastAliasEvent(events: readonly AuditEvent[], model: string, alias: string): AuditEvent | undefined {
  return events.filter((event) => event.model === model && (event.type === 'promote' || event.type === 'rollback') && event.alias === alias).pop();
}

function approvalRecord(request: ApprovalRequest, stamp: { at: string; identity?: string }): Approval {
  return { by: request.by!.trim(), reason: request.reason!.trim(), at: stamp.at, ...(stamp.identity ? { identity: stamp.identity } : {}) };
}

function missingApprovalFields(approval: ApprovalRequest): string[] {
  return [...(approval.by?.trim() ? [] : ['who approves (--approved-by)']), ...(approval.reason?.trim() ? [] : ['why (--reason)'])];
}

/** `acuracy is not a metric of this version (did you mean 'accuracy'?). ` for gates on metrics the version does not have. */
function unknownMetricsHint(results: readonly { metric: string; value: number | null }[], metrics: Record<string, number>): string {
  const unknown = [...new Set(results.filter((result) => result.value === null && !(result.metric in metrics)).map((result) => result.metric))];
  return unknown.map((metric) => `'${metric}' is not a metric of this version${didYouMean(metric, Object.keys(metrics))}. `).join('');
}
