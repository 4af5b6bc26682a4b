import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXTERNAL_EFFECT_METADATA } from '@reproml/core';
import { runNx } from './run-nx';

interface GraphFile {
  graph: { nodes: Record<string, { data: { targets?: Record<string, { cache?: boolean; metadata?: Record<string, unknown> }> } }> };
}

/**
 * The projects a verify rerun must leave out, as the plugin declared them from each stage's
 * kind: a `run` target Nx never caches (`cache: false`: no cached output to compare with) or one
 * whose effect is outside the workspace (a push, cached only while the registry already holds
 * its artifacts: `EXTERNAL_EFFECT_METADATA`), which must never run from a scratch copy.
 */
export function uncachedStages(workspaceRoot: string, target = 'run'): Set<string> {
  const dir = mkdtempSync(join(tmpdir(), 'reproml-graph-'));
  try {
    const file = join(dir, 'graph.json');
    runNx({ workspaceRoot, args: ['graph', `--file=${file}`] });
    const { graph } = JSON.parse(readFileSync(file, 'utf8')) as GraphFile;
    return new Set(
      Object.entries(graph.nodes)
        .filter(([, node]) => node.data.targets?.[target]?.cache === false || node.data.targets?.[target]?.metadata?.[EXTERNAL_EFFECT_METADATA] === true)
        .map(([name]) => name)
        .sort(),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
