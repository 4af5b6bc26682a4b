import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createProgressReporter, ReproError, readConfigFileSync, stableStringify } from '@reproml/core';
import {
  type AuditEvent,
  type AuditHealth,
  copyRegistry,
  describeLocation,
  FileModelRegistry,
  HUB_AUDIT_FILE,
  type MetricGate,
  type ModelRegistry,
  type ModelVersion,
  openRegistry,
  pushStageConfigSchema,
} from '@reproml/hub';
import { reproducePlan, verifyReproduction } from '../lib/reproduce-version';
import { findWorkspaceRoot } from '../lib/workspace-root';
import type { Command, CommandIO } from './command';
import { commandEntry } from './command-table.mjs';

const USAGE = commandEntry('models').usage.join('\n         ');

interface Context {
  registry: ModelRegistry;
  workspaceRoot: string;
  io: CommandIO;
  json: boolean;
  positionals: string[];
  values: Record<string, string | boolean | string[] | undefined>;
}

/** `reproml models …`: the model registry (REPROML_REGISTRY: a folder, default <workspace>/.reproml/registry, or hf://<namespace>). */
export const modelsCommand: Command = {
  ...commandEntry('models'),
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean' },
        'approved-by': { type: 'string' },
        reason: { type: 'string' },
        to: { type: 'string' },
        verify: { type: 'boolean' },
        fresh: { type: 'boolean' },
        model: { type: 'string', multiple: true },
      },
      allowPositionals: true,
    });
    const [sub, ...rest] = positionals;
    const handler = sub ? SUBCOMMANDS[sub] : undefined;
    if (!handler) {
      io.stderr(`usage: ${USAGE}\n`);
      return 2;
    }
    const workspaceRoot = findWorkspaceRoot();
    return handler({ registry: openRegistry({ workspaceRoot }), workspaceRoot, io, json: values.json === true, positionals: rest, values });
  },
};

const SUBCOMMANDS: Record<string, (context: Context) => Promise<number>> = {
  export: (context) => copy(context, 'export'),
  import: (context) => copy(context, 'import'),

  async list({ registry, io, json }) {
    const models = await registry.listModels();
    if (json) return print(io, { registry: registry.location, models });
    if (!models.length) io.stdout(`no models in ${registry.location} yet: run a push stage\n`);
    for (const model of models) {
      const aliases = Object.entries(model.aliases)
        .map(([alias, version]) => `${alias}=v${version}`)
        .join(' ');
      io.stdout(`${model.name.padEnd(24)} ${String(model.versions).padStart(3)} version(s), latest v${model.latest}${aliases ? `  ${aliases}` : ''}\n`);
    }
    return 0;
  },

  async show({ registry, io, json, positionals }) {
    const [name, which] = positionals;
    if (!name) return usage(io);
    if (which) {
      const version = await registry.getVersion(name, which);
      const state = await registry.getModel(name);
      const aliases = Object.entries(state.aliases)
        .filter(([, v]) => v === version.version)
        .map(([alias]) => alias);
      if (json) return print(io, { ...version, aliases });
      io.stdout(renderVersion(version, aliases));
      return 0;
    }
    const state = await registry.getModel(name);
    if (json) return print(io, state);
    io.stdout(`${name}  (${registry.location})\n`);
    for (const version of state.versions) {
      const aliases = Object.entries(state.aliases)
        .filter(([, v]) => v === version.version)
        .map(([alias]) => alias);
      const metrics = Object.entries(version.metrics)
        .slice(0, 3)
        .map(([metric, value]) => `${metric} ${format(value)}`)
        .join(', ');
      io.stdout(
        `  v${String(version.version).padEnd(4)} ${version.createdAt}  model.onnx ${version.artifact.sha256.slice(0, 12)}…  ${metrics}  ${version.locations.map(describeLocation).join(', ')}${aliases.length ? `  ← ${aliases.join(', ')}` : ''}\n`,
      );
    }
    return 0;
  },

  async promote({ registry, workspaceRoot, io, json, positionals, values }) {
    const [name, versionText, alias] = positionals;
    if (!name || !versionText || !alias) return usage(io);
    const version = await registry.getVersion(name, versionText);
    const { gates, source } = currentGates(workspaceRoot, version, alias);
    const change = await registry.promote({
      model: name,
      version: version.version,
      alias,
      approval: { by: values['approved-by'] as string | undefined, reason: values.reason as string | undefined },
      gates,
      gateSource: source,
    });
    if (json) return print(io, change);
    const event = change.event;
    if (!change.changed) io.stdout(`${name} v${version.version} already holds '${alias}': nothing changed\n`);
    else if (event.type === 'promote') {
      const checks = event.gates.map((gate) => `${gate.metric} ${gate.value === null ? 'n/a' : format(gate.value)} ${gate.condition} ✓`).join(', ');
      io.stdout(
        `promoted ${name} v${event.version} to '${alias}'${event.previous ? ` (was v${event.previous})` : ''}\n  gates (${event.gateSource}): ${checks || 'none'}\n  approved by ${approver(event.approval)} at ${event.approval.at}: ${event.approval.reason}\n`,
      );
    }
    return 0;
  },

  async rollback({ registry, io, json, positionals, values }) {
    const [name, alias] = positionals;
    if (!name || !alias) return usage(io);
    const to = typeof values.to === 'string' ? Number(values.to.replace(/^v/, '')) : undefined;
    if (to !== undefined && !Number.isInteger(to)) throw new ReproError(`--to should be a version number, not '${String(values.to)}'`);
    const change = await registry.rollback({
      model: name,
      alias,
      to,
      approval: { by: values['approved-by'] as string | undefined, reason: values.reason as string | undefined },
    });
    if (json) return print(io, change);
    const event = change.event;
    if (event.type === 'rollback')
      io.stdout(
        `rolled '${alias}' of ${name} back from v${event.previous} to v${event.version}\n  approved by ${approver(event.approval)} at ${event.approval.at}: ${event.approval.reason}\n`,
      );
    return 0;
  },

  async audit({ registry, io, json, positionals }) {
    // Every read verifies the hash chain, the checkpoint and the version folders (IntegrityError otherwise).
    const events = await registry.audit({ model: positionals[0] });
    if (!(registry instanceof FileModelRegistry)) return auditHub({ registry, io, json, events, model: positionals[0] });
    const health = await registry.auditHealth();
    const fileProblems = await registry.verifyStoredFiles();
    if (json) {
      print(io, {
        log: join(registry.location, 'audit.log'),
        events,
        tornLines: health.tornLines,
        chainVerified: true,
        checkpoint: { source: health.checkpoint, behindBy: health.checkpointBehindBy, events: health.events, lastHash: health.lastHash },
        pending: health.pending,
        fileProblems,
      });
      return fileProblems.length ? 1 : 0;
    }
    for (const event of events) io.stdout(`${renderEvent(event)}\n`);
    const notes = [
      `${health.events} event(s); hash chain verified; checkpoint ${describeCheckpoint(health)}; version folders match the log`,
      ...(health.tornLines.length ? [`${health.tornLines.length} line(s) cut off by a crash were skipped (lines ${health.tornLines.join(', ')})`] : []),
      ...(health.pending
        ? [`${health.pending.model} v${health.pending.version} was being written when a push stopped (not committed; the next change removes it)`]
        : []),
    ];
    io.stdout(`${notes.join('; ')}\n`);
    if (fileProblems.length) {
      io.stdout(`stored files that do not match their version records:\n${fileProblems.map((problem) => `  ✗ ${problem}`).join('\n')}\n`);
      return 1;
    }
    io.stdout(`every stored file matches its sha256 (last hash ${health.lastHash?.slice(0, 16) ?? 'none'}…)\n`);
    return 0;
  },

  async reproduce({ registry, workspaceRoot, io, json, positionals, values }) {
    const [name, which] = positionals;
    if (!name || !which) return usage(io);
    const version = await registry.getVersion(name, which);
    const plan = reproducePlan(version);
    const check = values.verify
      ? await verifyReproduction({
          workspaceRoot,
          version,
          fresh: values.fresh === true,
          onProgress: createProgressReporter({ prefix: `reproduce ${name} v${version.version}` }),
        })
      : undefined;
    if (json) {
      print(io, { ...plan, ...(check ? { check } : {}) });
    } else {
      io.stdout(`${name} v${version.version}: model.onnx sha256 ${plan.expectedSha256}\n`);
      if (!plan.commit) io.stdout('  warning: pushed outside a git checkout; the commands below rebuild from the current tree\n');
      else if (plan.dirty) io.stdout(`  warning: pushed from ${plan.commit} with uncommitted changes; the commit alone may not rebuild it\n`);
      io.stdout('  datasets:\n');
      for (const dataset of plan.datasets)
        io.stdout(`    ${dataset.key}: ${dataset.source}${dataset.revision ? `@${dataset.revision}` : ''} sha256 ${dataset.sha256}\n`);
      io.stdout(`  config: ${plan.stageFiles.join(', ')}\n  commands:\n${plan.commands.map((command) => `    ${command}`).join('\n')}\n`);
      if (check)
        io.stdout(
          check.matches
            ? `  ✓ rebuilt (${check.mode}) model.onnx is byte-identical: sha256 ${check.actualSha256}\n`
            : `  ✗ rebuilt (${check.mode}) model.onnx differs: sha256 ${check.actualSha256}, registry ${plan.expectedSha256}\n`,
        );
    }
    return check && !check.matches ? 1 : 0;
  },
};

/** `export <there>` copies this registry there; `import <there>` copies it here. Verified by copyRegistry (versions, fingerprints, aliases). */
async function copy(context: Context, direction: 'export' | 'import'): Promise<number> {
  const [there] = context.positionals;
  if (!there) return usage(context.io);
  const other = openRegistry({ workspaceRoot: context.workspaceRoot, location: there });
  const [from, to] = direction === 'export' ? [context.registry, other] : [other, context.registry];
  if (from.location === to.location)
    throw new ReproError(`Refusing to copy ${from.location} onto itself`, { hint: 'Name another folder or hf://<namespace>.' });
  const models = context.values.model as string[] | undefined;
  const result = await copyRegistry({ from, to, models, log: (line) => context.io.stderr(`${direction}: ${line}\n`) });
  if (context.json) return print(context.io, result);
  for (const model of result.models) {
    context.io.stdout(
      `${model.name}: ${model.versionsCopied} of ${model.versions} version(s) and ${model.aliasChangesCopied} alias change(s) copied${model.rejectedSkipped ? ` (${model.rejectedSkipped} refused promotion(s) stay in the source's log)` : ''}; aliases ${
        Object.entries(model.aliases)
          .map(([alias, version]) => `${alias}=v${version}`)
          .join(' ') || 'none'
      }; verified\n`,
    );
  }
  context.io.stdout(`copied ${result.models.length} model(s) from ${result.from} to ${result.to}; the target's hash chain was verified on every read\n`);
  return 0;
}

/** The Hub registry's audit: every model repo's log (chain verified on read) and whether each alias branch is where its log says. */
async function auditHub(params: { registry: ModelRegistry; io: CommandIO; json: boolean; events: AuditEvent[]; model?: string }): Promise<number> {
  const { registry, io, events } = params;
  const problems = await registry.verifyStoredFiles({ model: params.model });
  if (params.json) {
    print(io, { log: `${registry.location}: ${HUB_AUDIT_FILE} of each model repo`, events, chainVerified: true, fileProblems: problems });
    return problems.length ? 1 : 0;
  }
  for (const event of events) io.stdout(`${renderEvent(event)}\n`);
  io.stdout(`${events.length} event(s); hash chain of every model repo's ${HUB_AUDIT_FILE} verified\n`);
  if (problems.length) {
    io.stdout(`alias branches that do not match the audit log:\n${problems.map((problem) => `  ✗ ${problem}`).join('\n')}\n`);
    return 1;
  }
  io.stdout('every alias branch is at the commit its log names\n');
  return 0;
}

/**
 * The gates of the push stage file as it is now (the reviewed policy). A file that does not
 * validate (a malformed condition, a misspelt field) is refused, never replaced by weaker
 * gates; only when the file is gone do the gates recorded with the version apply.
 */
function currentGates(workspaceRoot: string, version: ModelVersion, alias: string): { gates: Readonly<Record<string, MetricGate>>; source: string } {
  const file = version.source.stageFile;
  const path = join(workspaceRoot, file);
  if (existsSync(path)) {
    const config = readConfigFileSync(pushStageConfigSchema, path, file, version.source.pushStage);
    return { gates: config.gates[alias] ?? {}, source: file };
  }
  return { gates: version.gates[alias] ?? {}, source: `gates recorded with v${version.version} (${file} is not in this workspace)` };
}

function describeCheckpoint(health: AuditHealth): string {
  if (health.checkpoint === 'none') return 'not written yet (empty registry)';
  const where = health.checkpoint === 'state.json' ? 'from state.json (written before checkpoints; the next change adds audit.checkpoint)' : 'matches';
  return health.checkpointBehindBy ? `${where}, one event behind the log (a crash after the append; the next change repairs it)` : where;
}

function describeCommit(git: ModelVersion['source']['git']): string {
  if (!git) return 'none (not pushed from a git checkout)';
  if (!git.dirty) return git.commit;
  const hash = git.uncommitted ? `, uncommitted content sha256 ${git.uncommitted.sha256}` : '';
  return `${git.commit} DIRTY: pushed from uncommitted files (allowDirty)${hash}; the commit alone does not rebuild it`;
}

function renderVersion(version: ModelVersion & { locations: ModelVersion['location'][] }, aliases: string[]): string {
  const lines = [
    `${version.model} v${version.version}${aliases.length ? `  ← ${aliases.join(', ')}` : ''}`,
    `  created      ${version.createdAt}`,
    `  model.onnx   sha256 ${version.artifact.sha256} (${version.artifact.size} bytes)`,
    `  fingerprint  ${version.fingerprint}`,
    `  commit       ${describeCommit(version.source.git)}`,
    ...(version.source.git?.uncommitted?.files.map((file) => `  uncommitted  ${file}`) ?? []),
    `  stored at    ${version.locations.map(describeLocation).join(', ')}`,
    `  metrics      ${
      Object.entries(version.metrics)
        .map(([metric, value]) => `${metric} ${format(value)}`)
        .join(', ') || 'none'
    }`,
    `  lineage      ${version.source.stages.map((stage) => `${stage.name} (${stage.kind})`).join(' → ')}`,
    ...version.source.datasets.map((dataset) => `  dataset      ${dataset.source}${dataset.revision ? `@${dataset.revision}` : ''} sha256 ${dataset.sha256}`),
  ];
  return `${lines.join('\n')}\n`;
}

function renderEvent(event: AuditEvent): string {
  const head = `#${event.seq} ${event.at} ${event.type.padEnd(18)} ${event.model} v${event.version}`;
  switch (event.type) {
    case 'register':
    case 'locate':
      return `${head} ${describeLocation(event.location)}`;
    case 'promote':
      return `${head} → ${event.alias} (was ${event.previous ? `v${event.previous}` : 'unset'}) by ${approver(event.approval)}: ${event.approval.reason}`;
    case 'rollback':
      return `${head} → ${event.alias} (back from v${event.previous}) by ${approver(event.approval)}: ${event.approval.reason}`;
    case 'promotion-rejected':
      return `${head} ✗ ${event.alias}${event.requestedBy ? ` asked by ${event.requestedBy}` : ''}: ${event.reasons.join('; ')}`;
  }
}

/** The approver's words, and the account the Hub reported for the token that made the change. */
function approver(approval: { by: string; identity?: string }): string {
  return approval.identity && approval.identity !== approval.by ? `${approval.by} (token of ${approval.identity})` : approval.by;
}

function print(io: CommandIO, value: unknown): number {
  io.stdout(stableStringify(value));
  return 0;
}

function usage(io: CommandIO): number {
  io.stderr(`usage: ${USAGE}\n`);
  return 2;
}

function format(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}
