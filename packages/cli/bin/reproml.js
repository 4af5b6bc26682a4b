#!/usr/bin/env node
// The CLI is TypeScript run through @swc-node/register (the same transpiler Nx uses for the plugin).
process.env.SWC_NODE_PROJECT ??= require('node:path').join(__dirname, '..', '..', '..', 'tsconfig.base.json');
require('@swc-node/register');
require('../src/main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
