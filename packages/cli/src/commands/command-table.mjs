// The commands' names, summaries and usages, and the answers that need nothing else (help, an
// unknown command). Plain JavaScript, so `reproml --help` answers without a TypeScript
// transpiler and without loading any command's modules; each command module takes its
// name, summary and usage from here (commandEntry), so they are written once.

/** Each command: its one-line summary, its usage (one form per line), and the module that runs it. */
export const COMMAND_TABLE = [
  {
    name: 'lineage',
    summary: 'the chain from an artifact back to the raw data',
    usage: ['reproml lineage <artifact path | stage output folder | model@version | model@alias> [--json]'],
  },
  {
    name: 'models',
    summary: 'the model registry: versions, aliases, governed promotion, rollback, audit log, reproduction',
    usage: [
      'reproml models list [--json]',
      'reproml models show <model> [<version|alias>] [--json]',
      'reproml models promote <model> <version> <alias> --approved-by <who> --reason <why> [--json]',
      'reproml models rollback <model> <alias> [--to <version>] --approved-by <who> --reason <why> [--json]',
      'reproml models audit [<model>] [--json]',
      'reproml models reproduce <model> <version|alias> [--verify] [--fresh] [--json]',
      'reproml models export <folder|hf://namespace> [--model <name>] [--json]   (this registry → there)',
      'reproml models import <folder|hf://namespace> [--model <name>] [--json]   (there → this registry)',
    ],
  },
  {
    name: 'verify',
    summary: 're-run a pipeline without any cache and compare every artifact byte for byte',
    usage: ['reproml verify [pipeline …] [--json] [--keep-scratch]'],
  },
  {
    name: 'runs',
    summary: 'the recorded runs: list, show, compare, metrics diff between commits, annotate, prune, copy to another store',
    usage: [
      'reproml runs list [--pipeline <p>] [--stage <s>] [--tag <t>] [--origin executed|cache] [--limit <n>|--all] [--json]',
      'reproml runs show <id> [--json]',
      'reproml runs compare <id> <id> … [--json]',
      'reproml runs compare --sweep <sweep stage project> [--json]',
      'reproml runs metrics diff <git-rev-a> [<git-rev-b>=HEAD] [--pipeline <p>] [--all] [--json]',
      'reproml runs annotate <id> "<note>" [--tag <t> …] [--json]',
      'reproml runs prune [--keep <n per stage>=100] [--dry-run] [--json]',
      'reproml runs copy --to <postgres://…|file.sqlite> [--from <postgres://…|file.sqlite>] [--json]',
    ],
  },
  {
    name: 'report',
    summary: 'a static HTML report of the recorded runs: runs table, metric trends, training curves, confusion matrix, ROC/PR, data profile',
    usage: ['reproml report [pipeline …] [--out <file.html>] [--max-runs <n>] [--json]'],
  },
  {
    name: 'data',
    summary: 'dataset versions: diff two locked versions, tag one, read the changelog',
    usage: [
      'reproml data diff <pull stage> [<rev-a>] [<rev-b>=HEAD] [--json]',
      'reproml data tag <pull stage> <name> [--message <text>]',
      'reproml data log <pull stage> [--json]',
    ],
  },
  {
    name: 'serve',
    summary: 'serve a registry model over HTTP (Open Inference Protocol v2 + JSON rows), hot-swapped on promote/rollback, with /metrics and traffic logs',
    usage: [
      'reproml serve <model>@<alias|version> [--port <n>] [--host <addr>] [--max-batch-size <n>] [--max-wait-ms <ms>] [--threads <n>] [--log-dir <dir> [--log-sample-rate <0..1>]] … (--help lists every option)',
    ],
  },
  {
    name: 'package',
    summary: 'write a deployable folder for a registry model: model files + manifest, server entry, pinned package.json + pnpm-lock.yaml, Dockerfile',
    usage: ['reproml package <model>@<alias|version> [--out <dir>] [--base-image <image>@sha256:<digest>]'],
  },
];

/** The table entry of a command (throws for a name the table does not have: a programming error). */
export function commandEntry(name) {
  const entry = COMMAND_TABLE.find((candidate) => candidate.name === name);
  if (!entry) throw new Error(`no command '${name}' in the command table`);
  return entry;
}

/** A command's usage, one form per line, each indented the same. */
export function usageLines(usage, indent) {
  return usage.map((line) => `${' '.repeat(indent)}${line}`).join('\n');
}

function help() {
  const width = Math.max(...COMMAND_TABLE.map((command) => command.name.length));
  return [
    'reproml: reproducible ML pipelines on Nx',
    '',
    'commands:',
    ...COMMAND_TABLE.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}\n${usageLines(command.usage, width + 4)}`),
    '',
  ].join('\n');
}

/**
 * What `reproml <argv>` answers from this table alone (the list of commands, a command's usage,
 * an unknown command), or undefined when a command has to run.
 */
export function answerFromTable(argv) {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') return { stdout: help(), code: name ? 0 : 2 };
  const command = COMMAND_TABLE.find((candidate) => candidate.name === name);
  if (!command) return { stderr: `unknown command '${name}'\n\n${help()}`, code: 2 };
  if (rest.includes('--help') || rest.includes('-h')) return { stdout: `${command.summary}\n\nusage:\n${usageLines(command.usage, 2)}\n`, code: 0 };
  return undefined;
}
