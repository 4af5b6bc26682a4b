import { existsSync } from 'node:fs';
import { join } from 'node:path';

const TYPESCRIPT_FILE = /\.[cm]?tsx?$/;

/**
 * `require` of a module that may be TypeScript (a script stage's module, a kind package that ships
 * `.ts` sources). ReproML's own packages run as compiled JavaScript, so Nx registers no transpiler
 * for them; a `.ts` file registers @swc-node/register first (the transpiler Nx itself would use,
 * with the workspace's tsconfig), once per process, and only when no loader for `.ts` is there yet.
 */
export function requireModule(path: string, workspaceRoot: string): unknown {
  if (TYPESCRIPT_FILE.test(path) && !require.extensions['.ts']) registerTypeScript(workspaceRoot);
  return require(path);
}

function registerTypeScript(workspaceRoot: string): void {
  const tsconfig = ['tsconfig.base.json', 'tsconfig.json'].map((name) => join(workspaceRoot, name)).find((file) => existsSync(file));
  if (tsconfig) process.env.SWC_NODE_PROJECT ??= tsconfig;
  require(require.resolve('@swc-node/register', { paths: [workspaceRoot, __dirname] }));
}
