import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The entry Nx loads (package.json `main`): compiled JavaScript, no transpiler. */
const PLUGIN_ENTRY = join(__dirname, '..', '..', 'index.js');

/** Modules the plugin's entry loads in a fresh Node process, and whether a `.ts` loader got registered. */
function modulesLoadedByPlugin(): { modules: string[]; typescriptLoader: boolean } {
  const script = `require(${JSON.stringify(PLUGIN_ENTRY)}); process.stdout.write(JSON.stringify({ modules: Object.keys(require.cache), typescriptLoader: '.ts' in require.extensions }));`;
  const output = execFileSync(process.execPath, ['-e', script], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' });
  return JSON.parse(output) as { modules: string[]; typescriptLoader: boolean };
}

describe('the plugin at graph time', () => {
  const loaded = modulesLoadedByPlugin();

  it('loads kind declarations only: not onnxruntime, the Hub client, danfojs or the run store (each loads where it is used)', () => {
    expect(loaded.modules.some((path) => path.includes('/plugins/nx/dist/src/stage-file/stage-kinds.js'))).toBe(true);
    for (const heavy of ['onnxruntime-node', '@huggingface/hub', 'danfojs-node', '@tensorflow', 'better-sqlite3', 'pg', 'packages/tracking']) {
      expect({ heavy, loaded: loaded.modules.filter((path) => path.includes(`/${heavy}/`)).slice(0, 3) }).toEqual({ heavy, loaded: [] });
    }
  });

  it('is compiled JavaScript: no TypeScript file, no transpiler (Nx registers none for a .js entry)', () => {
    expect(loaded.modules.filter((path) => /\.[cm]?ts$/.test(path))).toEqual([]);
    expect(loaded.modules.filter((path) => /\/(typescript|@swc|@swc-node)\//.test(path))).toEqual([]);
    expect(loaded.typescriptLoader).toBe(false);
  });
});
