import { parseArgs } from 'node:util';
import { stableStringify } from '@reproml/core';
import { buildLineageChain } from '../lib/lineage-chain';
import { buildRegistryLineageChain, isModelVersionReference } from '../lib/registry-lineage';
import { collectWarnings, renderLineageTree } from '../lib/render-lineage';
import { findWorkspaceRoot } from '../lib/workspace-root';
import type { Command } from './command';
import { commandEntry } from './command-table.mjs';

export const lineageCommand: Command = {
  ...commandEntry('lineage'),
  async run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, allowPositionals: true });
    const target = positionals[0];
    if (!target) {
      io.stderr(`usage: ${lineageCommand.usage.join('\n')}\n`);
      return 2;
    }
    const workspaceRoot = findWorkspaceRoot();
    const chain = isModelVersionReference(target) ? await buildRegistryLineageChain(workspaceRoot, target) : await buildLineageChain(workspaceRoot, target);
    if (values.json) {
      io.stdout(stableStringify({ ...chain, warnings: collectWarnings(chain.root, new Set()) }));
    } else {
      io.stdout(renderLineageTree(chain));
    }
    return chain.artifact && !chain.artifact.matchesRecord ? 1 : 0;
  },
};
