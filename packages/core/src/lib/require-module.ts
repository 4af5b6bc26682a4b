import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const TYPESCRIPT_FILE = /\.[cm]?tsx?$/;

/**
 * `require` of a module that may be TypeScript (a script stage's module, a kind package that ships
 * `.ts` sources). ReproML's own packages run as compiled JavaScript, so Nx registers no transpiler
 * for them; a `.ts` file registers @swc-node/register first, once per process and only when no
 * loader for `.ts` is there yet, with the workspace's compiler options as Nx reads them for a
 * TypeScript plugin (tsconfig.base.json or tsconfig.json, its file list ignored).
 */
export function requireModule(path: string, workspaceRoot: string): unknown {
  if (TYPESCRIPT_FILE.test(path) && !require.extensions['.ts']) registerTypeScript(workspaceRoot);
  return require(path);
}

type TypeScript = typeof import('typescript');

/** The workspace's TypeScript configuration files that exist, in the order Nx reads them (the first one holds the options). */
export function typeScriptConfigFiles(workspaceRoot: string): string[] {
  return ['tsconfig.base.json', 'tsconfig.json'].map((name) => join(workspaceRoot, name)).filter((file) => existsSync(file));
}

function registerTypeScript(workspaceRoot: string): void {
  const from = { paths: [workspaceRoot, __dirname] };
  const ts = require(require.resolve('typescript', from)) as TypeScript;
  const tsconfig = typeScriptConfigFiles(workspaceRoot)[0];
  let options: import('typescript').CompilerOptions = {};
  if (tsconfig) {
    const { config } = ts.readConfigFile(tsconfig, ts.sys.readFile);
    options = ts.parseJsonConfigFileContent({ ...config, files: [], include: [] }, ts.sys, dirname(tsconfig), undefined, tsconfig).options;
  }
  const { register } = require(require.resolve('@swc-node/register/register', from)) as { register: (options: object) => void };
  register({ ...options, module: ts.ModuleKind.CommonJS });
}
