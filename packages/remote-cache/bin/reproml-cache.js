#!/usr/bin/env node
// The package ships TypeScript sources (like every @reproml package in this workspace), so the
// bin registers @swc-node/register to compile them on load, then runs the CLI.

require('@swc-node/register');
require('../src/cli.ts')
  .main(process.argv.slice(2), process.env)
  .catch((error) => {
    console.error(error?.describe ? error.describe() : error);
    process.exit(1);
  });
