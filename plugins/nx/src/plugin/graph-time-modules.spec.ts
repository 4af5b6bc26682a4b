import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const PLUGIN_ENTRY = join(__dirname, '..', '..', 'index.ts');

/** Modules the plugin's entry loads, in a fresh Node process with the transpiler Nx uses for TypeScript plugins. */
function modulesLoadedByPlugin(): string[] {
  const script = `require(${JSON.stringify(PLUGIN_ENTRY)}); process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
  const output = execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' });
  return JSON.parse(output) as string[];
}

describe('the plugin at graph time', () => {
  it('loads kind declarations only: not onnxruntime, the Hub client or danfojs (each kind loads its work inside run)', () => {
    const loaded = modulesLoadedByPlugin();
    expect(loaded.some((path) => path.includes('/plugins/nx/src/stage-file/stage-kinds.ts'))).toBe(true);
    for (const heavy of ['onnxruntime-node', '@huggingface/hub', 'danfojs-node', '@tensorflow']) {
      expect({ heavy, loaded: loaded.filter((path) => path.includes(`/${heavy}/`)).slice(0, 3) }).toEqual({ heavy, loaded: [] });
    }
  });
});
