import { createRequire } from 'node:module';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..');

/**
 * vitest globalSetup (both projects): compiles the packages whose dist/ no longer matches their
 * sources, before any test starts a process that loads dist/ (the nx CLI and its plugin, the stage
 * executor, the reproml CLI). Temp workspaces copy packages/ with dist/ and its stamp, so they
 * start fresh too; each of those entry points checks the stamp again anyway.
 */
export default function setup(): void {
  const { ensureCompiled } = createRequire(__filename)(join(REPO_ROOT, 'tools', 'compile-packages.cjs')) as {
    ensureCompiled: (root: string, options?: { log?: (line: string) => void }) => string[];
  };
  ensureCompiled(REPO_ROOT, { log: (line) => console.log(`[compile-packages] ${line}`) });
}
