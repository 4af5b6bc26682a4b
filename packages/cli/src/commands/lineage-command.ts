import { parseArgs } from 'node:util';
import { stableStringify } from '@reproml/core';
import { buildLineageChain } from '../lib/lineage-chain';
import { collectWarnings, renderLineageTree } from '../lib/render-lineage';
import { findWorkspaceRoot } from '../lib/workspace-root';
import type { Command } from './command';

export const lineageCommand: Command = {
  name: 'lineage',
  summary: 'the chain from an artifact back to the raw data',
  usage: 'reproml lineage <artifact path | stage output folder> [--json]',
  async run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, allowPositionals: true });
    const target = positionals[0];
    if (!target) {
      io.stderr(`usage: ${lineageCommand.usage}\n`);
      return 2;
    }
    const chain = await buildLineageChain(findWorkspaceRoot(), target);
    if (values.json) {
      io.stdout(stableStringify({ ...chain, warnings: collectWarnings(chain.root, new Set()) }));
    } else {
      io.stdout(renderLineageTree(chain));
    }
    return chain.artifact && !chain.artifact.matchesRecord ? 1 : 0;
  },
};
