import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { EXTERNAL_EFFECT_METADATA } from '@reproml/core';
import type { TempWorkspace } from './temp-workspace';

export interface StageTasks {
  all: string[];
  /** Tasks whose results a fresh clone restores from the remote cache. */
  cacheable: string[];
  /**
   * Tasks that run in every fresh clone: uncached ones and those acting on state outside the
   * workspace (a push: cached only while the clone's own registry holds its artifacts, and a
   * fresh clone's registry is empty). Those that Nx caches still upload their result (`stored`).
   */
  local: string[];
  /** Tasks whose results Nx stores after running them: the cacheable ones and the pushes. */
  stored: string[];
}

export type GraphTarget = { cache?: boolean; metadata?: Record<string, unknown> };

/** Every `run` task of the clone's stages, from one `nx graph --file` call. */
export function stageTasks(clone: TempWorkspace): StageTasks {
  const file = join(mkdtempSync(join(tmpdir(), 'reproml-graph-')), 'graph.json');
  clone.nxOk(['graph', `--file=${file}`]);
  const nodes: Record<string, { data: { targets?: Record<string, GraphTarget> } }> = JSON.parse(readFileSync(file, 'utf8')).graph.nodes;
  rmSync(dirname(file), { recursive: true });
  const runs = Object.entries(nodes).flatMap(([name, node]) => (node.data.targets?.run ? [[name, node.data.targets.run] as const] : []));
  const external = (run: GraphTarget) => run.metadata?.[EXTERNAL_EFFECT_METADATA] === true;
  const tasks = (keep: (run: GraphTarget) => boolean) =>
    runs
      .filter(([, run]) => keep(run))
      .map(([name]) => `${name}:run`)
      .sort();
  return {
    all: tasks(() => true),
    cacheable: tasks((run) => Boolean(run.cache) && !external(run)),
    local: tasks((run) => !run.cache || external(run)),
    stored: tasks((run) => Boolean(run.cache)),
  };
}
