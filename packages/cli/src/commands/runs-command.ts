import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { ConfigError, stableStringify } from '@reproml/core';
import {
  compareRuns,
  copyRuns,
  describeTrackingLocation,
  metricsDiff,
  parseTrackingLocation,
  type RecordedSweep,
  RunStore,
  type RunSummary,
  recordedSweep,
  type StoredRun,
  trackingLocation,
} from '@reproml/tracking';
import { openRunStore } from '../lib/open-run-store';
import { formatDelta, formatValue, renderTable, useColor } from '../lib/render-table';
import { findWorkspaceRoot } from '../lib/workspace-root';
import type { Command, CommandIO } from './command';
import { commandEntry } from './command-table.mjs';

const USAGE = commandEntry('runs').usage;

/** Metrics `runs list` shows first, when a run has them. */
const HEADLINE_METRICS = ['accuracy', 'f1', 'rocAuc', 'rmse', 'r2', 'validationAccuracy', 'validationRmse', 'validationLoss', 'trainLoss'];

export const runsCommand: Command = {
  ...commandEntry('runs'),
  async run(argv, io) {
    const [sub, ...rest] = argv;
    // Outside a workspace, `runs copy --from <store> --to <store>` still works.
    if (sub === 'copy') return copy(rest, io);
    const workspaceRoot = findWorkspaceRoot();
    switch (sub) {
      case 'list':
        return withStore(workspaceRoot, false, (store) => listRuns(store, rest, io));
      case 'show':
        return withStore(workspaceRoot, false, (store) => showRun(store, rest, io));
      case 'compare':
        return withStore(workspaceRoot, false, (store) => compare(store, rest, io));
      case 'metrics':
        if (rest[0] !== 'diff') return usage(io);
        return withStore(workspaceRoot, false, (store) => diffMetrics(store, workspaceRoot, rest.slice(1), io));
      case 'annotate':
        return withStore(workspaceRoot, true, (store) => annotate(store, rest, io));
      case 'prune':
        return withStore(workspaceRoot, true, (store) => prune(store, rest, io));
      default:
        return usage(io);
    }
  },
};

function usage(io: CommandIO): number {
  io.stderr(`usage:\n  ${USAGE.join('\n  ')}\n`);
  return 2;
}

async function withStore(workspaceRoot: string, write: boolean, body: (store: RunStore) => Promise<number>): Promise<number> {
  const store = await openRunStore(workspaceRoot, { write });
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

async function listRuns(store: RunStore, argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      pipeline: { type: 'string' },
      stage: { type: 'string' },
      tag: { type: 'string' },
      origin: { type: 'string' },
      limit: { type: 'string', default: '30' },
      all: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  if (values.origin && values.origin !== 'executed' && values.origin !== 'cache') {
    throw new ConfigError(`--origin must be 'executed' or 'cache', not '${values.origin}'`, { field: 'origin' });
  }
  const limit = values.all ? undefined : parseId(values.limit!, '--limit');
  const runs = await store.list({
    pipeline: values.pipeline,
    stage: values.stage,
    tag: values.tag,
    origin: values.origin as RunSummary['origin'] | undefined,
    limit,
  });
  if (values.json) {
    io.stdout(stableStringify({ runs }));
    return 0;
  }
  if (runs.length === 0) {
    io.stdout('no runs match\n');
    return 0;
  }
  io.stdout(
    renderTable({
      headers: ['id', 'stage', 'origin', 'status', 'commit', 'started (UTC)', 'duration', 'metrics', 'note'],
      rows: runs.map((run) => [
        String(run.id),
        run.project,
        run.origin === 'cache' ? 'restored' : 'executed',
        run.status,
        shortCommit(run),
        run.startedAt.slice(0, 19).replace('T', ' '),
        formatDuration(run.durationMs),
        headline(run.metrics),
        [run.note ?? '', ...run.tags.map((tag) => `#${tag}`)].filter(Boolean).join(' '),
      ]),
      alignRight: [0, 6],
      color: useColor(),
    }),
  );
  return 0;
}

async function showRun(store: RunStore, argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, allowPositionals: true });
  if (positionals.length !== 1) return usage(io);
  const run = await requireRun(store, positionals[0]!);
  if (values.json) {
    io.stdout(stableStringify(run));
    return 0;
  }
  const lines = [
    `run ${run.id}: ${run.project} (${run.kind}), ${run.origin === 'cache' ? `restored from ${run.cacheSource ?? 'the cache'}` : 'executed'}, ${run.status}`,
    `  started   ${run.startedAt} on ${run.host}, ${formatDuration(run.durationMs)}`,
    `  commit    ${run.gitCommit ?? '(not a git checkout)'}${run.gitDirty ? ' (uncommitted changes)' : ''}`,
    `  task hash ${run.taskHash ?? '—'}`,
    `  seed      ${run.seed ?? '—'}`,
    ...(run.note ? [`  note      ${run.note}`] : []),
    ...(run.tags.length ? [`  tags      ${run.tags.join(', ')}`] : []),
    ...(run.error ? [`  error     ${run.error}`] : []),
    '',
  ];
  const section = (title: string, rows: string[][]) => {
    if (rows.length === 0) return;
    lines.push(
      `${title}:`,
      ...renderTable({ headers: rows[0]!, rows: rows.slice(1) })
        .trimEnd()
        .split('\n')
        .map((line) => `  ${line}`),
      '',
    );
  };
  const { params } = compareRuns([run]);
  section('params', [['param', 'value'], ...params.map((param) => [param.key, formatValue(param.values[0])])]);
  section('metrics', [
    ['metric', 'value'],
    ...Object.entries(run.metrics)
      .sort()
      .map(([key, value]) => [key, formatValue(value)]),
  ]);
  section('artifacts', [['file', 'size', 'sha256'], ...run.artifacts.map((artifact) => [artifact.path, String(artifact.size), artifact.sha256.slice(0, 16)])]);
  section('datasets', [
    ['stage', 'file', 'revision', 'sha256', 'source'],
    ...run.datasets.map((d) => [d.stage, d.key, d.revision ?? '—', d.sha256.slice(0, 16), d.source]),
  ]);
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}

async function compare(store: RunStore, argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, sweep: { type: 'string' } }, allowPositionals: true });
  if (values.sweep === undefined && positionals.length < 2) return usage(io);
  const sweep = values.sweep === undefined ? undefined : await requireSweep(store, values.sweep);
  const runs = sweep ? sweep.points.map((entry) => entry.run) : await requireRuns(store, positionals);
  const comparison = compareRuns(runs);
  if (values.json) {
    io.stdout(stableStringify(sweep ? { ...comparison, sweep: sweepSummary(sweep) } : comparison));
    return 0;
  }
  const color = useColor();
  const winner = sweep?.result.winner;
  const headers = ['', ...runs.map((run, index) => `run ${run.id}${sweep?.points[index]?.point.id === winner ? ' ★' : ''}`)];
  const out = [
    renderTable({
      headers,
      rows: [
        ['stage', ...runs.map((run) => run.project)],
        ['commit', ...runs.map(shortCommit)],
        ['started', ...runs.map((run) => run.startedAt.slice(0, 16).replace('T', ' '))],
        ['origin', ...runs.map((run) => run.origin)],
      ],
      color,
    }),
    'params:',
    renderTable({
      headers: ['param', ...headers.slice(1)],
      rows: comparison.params.map((p) => [p.key, ...p.values.map(formatValue)]),
      highlight: comparison.params.map((p) => p.differs),
      color,
    }),
    'metrics:',
    renderTable({
      headers: ['metric', ...headers.slice(1)],
      rows: comparison.metrics.map((m) => [m.key, ...m.values.map(formatValue)]),
      highlight: comparison.metrics.map((m) => m.differs),
      alignRight: runs.map((_, index) => index + 1),
      color,
    }),
  ];
  if (sweep) {
    const { result } = sweep;
    out.unshift(
      `sweep ${sweep.run.project} (run ${sweep.run.id}): ${result.points.length} points by ${result.metric} (${result.goal}); ★ = selected point ${result.winner}; columns in rank order`,
    );
  }
  const changed = comparison.params.filter((p) => p.differs).length + comparison.metrics.filter((m) => m.differs).length;
  out.push(`${changed} difference(s), marked ≠\n`);
  io.stdout(out.join('\n'));
  return 0;
}

async function diffMetrics(store: RunStore, workspaceRoot: string, argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { pipeline: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length < 1 || positionals.length > 2) return usage(io);
  const [revA, revB = 'HEAD'] = positionals as [string, string?];
  const commitA = resolveRevision(workspaceRoot, revA);
  const commitB = resolveRevision(workspaceRoot, revB!);
  const diff = await metricsDiff({ store, commitA, commitB, pipeline: values.pipeline, changedOnly: !values.all });
  if (values.json) {
    io.stdout(stableStringify(diff));
    return 0;
  }
  if (diff.deltas.length === 0) {
    const none = Object.values(diff.a.runs).every((id) => id === null) && Object.values(diff.b.runs).every((id) => id === null);
    io.stdout(none ? `no successful runs recorded at ${commitA.slice(0, 12)} or ${commitB.slice(0, 12)}\n` : 'no metric changed (--all shows them all)\n');
    return 0;
  }
  io.stdout(
    renderTable({
      headers: ['stage', 'metric', `${revA} (${commitA.slice(0, 7)})`, `${revB} (${commitB.slice(0, 7)})`, 'change'],
      rows: diff.deltas.map((d) => [d.project, d.metric, formatValue(d.a), formatValue(d.b), formatDelta(d.delta)]),
      alignRight: [2, 3, 4],
      highlight: diff.deltas.map((d) => d.a !== d.b),
      color: useColor(),
    }),
  );
  return 0;
}

async function annotate(store: RunStore, argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { tag: { type: 'string', multiple: true }, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length < 1 || positionals.length > 2 || (positionals.length === 1 && !values.tag?.length)) return usage(io);
  const id = parseId(positionals[0]!, 'run id');
  if (!(await store.annotate({ id, note: positionals[1], tags: values.tag }))) throw noSuchRun(id);
  const run = (await store.get(id))!;
  io.stdout(
    values.json
      ? stableStringify({ id, note: run.note, tags: run.tags })
      : `run ${id}: ${run.note ?? ''}${run.tags.length ? ` [${run.tags.join(', ')}]` : ''}\n`,
  );
  return 0;
}

async function prune(store: RunStore, argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { keep: { type: 'string', default: '100' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length) return usage(io);
  const keepPerStage = parseId(values.keep!, '--keep');
  const result = await store.prune({ keepPerStage, dryRun: values['dry-run'] });
  const verb = values['dry-run'] ? 'would remove' : 'removed';
  io.stdout(
    values.json
      ? stableStringify({ ...result, keepPerStage, dryRun: values['dry-run'] === true })
      : `${verb} ${result.removed} run(s); ${result.remaining} remain (the newest ${keepPerStage} of each stage, and every annotated or tagged run)\n`,
  );
  return 0;
}

/**
 * Copies every run of this workspace's store (or --from) into another store, e.g. the team's
 * PostgreSQL database: idempotent, verified run by run (fingerprint, tags, note), counts printed.
 */
async function copy(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { to: { type: 'string' }, from: { type: 'string' }, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length || !values.to) return usage(io);
  const fromLocation = values.from ? parseTrackingLocation(values.from, process.cwd()) : trackingLocation({ workspaceRoot: findWorkspaceRoot() });
  const toLocation = parseTrackingLocation(values.to, process.cwd());
  if (describeTrackingLocation(fromLocation) === describeTrackingLocation(toLocation)) {
    throw new ConfigError(`--to names the store runs are copied from (${describeTrackingLocation(toLocation)})`, {
      field: 'to',
      hint: 'Name another store: reproml runs copy --to postgres://user@host/db',
    });
  }
  const from = await RunStore.open({ location: fromLocation, readonly: true });
  try {
    const to = await RunStore.open({ location: toLocation });
    try {
      const result = await copyRuns({
        from,
        to,
        onProgress: (done, total) => io.stderr(`copied ${done}/${total} run(s)\n`),
      });
      const summary = { from: from.label, to: to.label, ...result };
      if (values.json) io.stdout(stableStringify(summary));
      else {
        io.stdout(
          `${result.source} run(s) in ${from.label}: ${result.added} copied, ${result.present} already in ${to.label}; ` +
            `${result.verified}/${result.source} verified (fingerprint, tags, note); ${result.target} run(s) there now\n`,
        );
        for (const fingerprint of result.mismatches) io.stderr(`not verified: run ${fingerprint}… differs in ${to.label}\n`);
      }
      return result.mismatches.length ? 1 : 0;
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}

async function requireRun(store: RunStore, text: string): Promise<StoredRun> {
  return (await requireRuns(store, [text]))[0]!;
}

/** The runs named on the command line, in that order, read in one go. */
/** The recorded sweep of a sweep stage's project, or a ConfigError saying how to get one. */
async function requireSweep(store: RunStore, project: string): Promise<RecordedSweep> {
  const sweep = await recordedSweep(store, project);
  if (sweep && sweep.points.length > 0) return sweep;
  throw new ConfigError(`no recorded sweep for '${project}' in the run store`, {
    field: '--sweep',
    hint: 'Name the project of a swept train stage (e.g. penguins-train-sweep) after running it: npx nx run <project>:run.',
  });
}

function sweepSummary(sweep: RecordedSweep) {
  const { result } = sweep;
  return {
    project: sweep.run.project,
    run: sweep.run.id,
    metric: result.metric,
    goal: result.goal,
    winner: result.winner,
    points: sweep.points.map(({ point, run }) => ({
      id: point.id,
      project: point.project,
      rank: point.rank,
      run: run.id,
      values: point.values,
      scores: point.scores,
    })),
  };
}

async function requireRuns(store: RunStore, texts: readonly string[]): Promise<StoredRun[]> {
  const ids = texts.map((text) => parseId(text, 'run id'));
  const runs = await store.getMany(ids);
  const missing = ids.find((id) => !runs.some((run) => run.id === id));
  if (missing !== undefined) throw noSuchRun(missing);
  return ids.map((id) => runs.find((run) => run.id === id)!);
}

function noSuchRun(id: number): ConfigError {
  return new ConfigError(`no run ${id} in the run store`, { hint: 'List the recorded runs with: reproml runs list' });
}

function parseId(text: string, what: string): number {
  const id = Number(text);
  if (!Number.isInteger(id) || id <= 0) throw new ConfigError(`${what} should be a positive integer, got '${text}'`);
  return id;
}

function resolveRevision(workspaceRoot: string, revision: string): string {
  const result = spawnSync('git', ['rev-parse', '--verify', '--quiet', `${revision}^{commit}`], { cwd: workspaceRoot, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new ConfigError(`'${revision}' is not a git revision of this workspace`, { hint: 'Use a commit sha, branch, tag or HEAD~N.' });
  }
  return result.stdout.trim();
}

function shortCommit(run: Pick<RunSummary, 'gitCommit' | 'gitDirty'>): string {
  return run.gitCommit ? `${run.gitCommit.slice(0, 7)}${run.gitDirty ? '*' : ''}` : '—';
}

function formatDuration(ms: number): string {
  return ms < 1000
    ? `${Math.round(ms)} ms`
    : ms < 60_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function headline(metrics: Record<string, number>): string {
  const names = [
    ...HEADLINE_METRICS.filter((name) => name in metrics),
    ...Object.keys(metrics)
      .sort()
      .filter((name) => !HEADLINE_METRICS.includes(name)),
  ];
  return names
    .slice(0, 3)
    .map((name) => `${name} ${formatValue(metrics[name])}`)
    .join(', ');
}
