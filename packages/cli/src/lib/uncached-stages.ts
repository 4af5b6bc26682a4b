import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNx } from './run-nx';

interface GraphFile {
  graph: { nodes: Record<string, { data: { targets?: Record<string, { cache?: boolean }> } }> };
}

/**
 * The projects whose `run` target Nx never caches, as the plugin declared them from each
 * stage's kind (`cache: false`, e.g. push): a verify rerun must not run them (their effect is
 * outside the workspace) and has no cached output to compare them with.
 */
export function uncachedStages(workspaceRoot: string, target = 'run'): Set<string> {
  const dir = mkdtempSync(join(tmpdir(), 'reproml-graph-'));
  try {
    const file = join(dir, 'graph.json');
    runNx({ workspaceRoot, args: ['graph', `--file=${file}`] });
    const { graph } = JSON.parse(readFileSync(file, 'utf8')) as GraphFile;
    return new Set(
      Object.entries(graph.nodes)
        .filter(([, node]) => node.data.targets?.[target]?.cache === false)
        .map(([name]) => name)
        .sort(),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
