#!/usr/bin/env node
// Runs the compiled CLI (dist/, recompiled first when a workspace source changed:
// tools/compile-packages.cjs).
const { ensureCompiled, workspaceOf } = require('../../../tools/compile-packages.cjs');

ensureCompiled(workspaceOf(require('node:path').join(__dirname, '..')));
require('../dist/src/cli.js')
  .main(process.argv.slice(2), process.env)
  .catch((error) => {
    console.error(error?.describe ? error.describe() : error);
    process.exit(1);
  });
