#!/usr/bin/env node
// The help, a command's usage and an unknown command are answered from the command table (plain
// JavaScript) before anything else loads. A command that runs loads the compiled packages (dist/,
// recompiled first when a source changed: tools/compile-packages.cjs), and main loads that
// command's modules only.
const argv = process.argv.slice(2);
const answer = require('../src/commands/command-table.mjs').answerFromTable(argv);
if (answer) {
  if (answer.stdout) process.stdout.write(answer.stdout);
  if (answer.stderr) process.stderr.write(answer.stderr);
  process.exitCode = answer.code;
} else {
  const { ensureCompiled, workspaceOf } = require('../../../tools/compile-packages.cjs');
  ensureCompiled(workspaceOf(require('node:path').join(__dirname, '..')));
  require('../dist/src/main.js')
    .main(argv)
    .then((code) => {
      process.exitCode = code;
    });
}
