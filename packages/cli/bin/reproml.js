#!/usr/bin/env node
// The help, a command's usage and an unknown command are answered from the command table (plain
// JavaScript) before anything else loads. A command that runs is TypeScript run through
// @swc-node/register (the same transpiler Nx uses for the plugin), and main loads that command's
// modules only.
const argv = process.argv.slice(2);
const answer = require('../src/commands/command-table.mjs').answerFromTable(argv);
if (answer) {
  if (answer.stdout) process.stdout.write(answer.stdout);
  if (answer.stderr) process.stderr.write(answer.stderr);
  process.exitCode = answer.code;
} else {
  process.env.SWC_NODE_PROJECT ??= require('node:path').join(__dirname, '..', '..', '..', 'tsconfig.base.json');
  require('@swc-node/register');
  require('../src/main.ts')
    .main(argv)
    .then((code) => {
      process.exitCode = code;
    });
}
