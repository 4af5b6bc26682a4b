import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const REPO_ROOT = join(__dirname, '..');
const COMPILER = join(REPO_ROOT, 'tools', 'compile-packages.cjs');

interface Compiler {
  ensureCompiled(root: string): string[];
  stalePackages(root: string): { dir: string }[];
}

/** A fresh copy of the compiler module per test (it memoizes the transformer). */
function compiler(): Compiler {
  const require = createRequire(__filename);
  delete require.cache[require.resolve(COMPILER)];
  return require(COMPILER) as Compiler;
}

/** Runs `code` in a plain Node process (no transpiler) and returns its stdout. */
function runNode(cwd: string, code: string): string {
  return execFileSync(process.execPath, ['-e', code], { cwd, encoding: 'utf8' });
}

describe('tools/compile-packages.cjs', () => {
  let root: string;
  const pkg = () => join(root, 'packages', 'demo');
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(pkg(), path)), { recursive: true });
    writeFileSync(join(pkg(), path), text);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'reproml-compile-'));
    cpSync(join(REPO_ROOT, 'tsconfig.base.json'), join(root, 'tsconfig.base.json'));
    write(
      'package.json',
      JSON.stringify({
        name: '@demo/pkg',
        version: '1.2.3',
        exports: { '.': { types: './src/index.ts', '@reproml/source': './src/index.ts', default: './dist/src/index.js' } },
      }),
    );
    write('src/table.mjs', 'export const rows = 3;\n');
    write('src/lib/answer.ts', 'export const answer: number = 42;\n');
    write(
      'src/index.ts',
      [
        "import { join } from 'node:path';",
        "import { answer } from './lib/answer';",
        "export const here: string = join(__dirname, 'index.ts');",
        "export const version: string = require('../package.json').version;",
        "export const rows: number = require('./table.mjs').rows;",
        "export const later = async (): Promise<number> => (await import('./lib/answer.ts')).answer + 1;",
        'export { answer };',
        '',
      ].join('\n'),
    );
    write('src/index.spec.ts', 'throw new Error("specs do not compile");\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('compiles one file to one file; __dirname and non-code requires still point at the sources', () => {
    expect(compiler().ensureCompiled(root)).toEqual([pkg()]);
    expect(existsSync(join(pkg(), 'dist', 'src', 'index.spec.js'))).toBe(false);
    const out = runNode(
      pkg(),
      `const m = require('./dist/src/index.js'); m.later().then((later) => console.log(JSON.stringify({ here: m.here, version: m.version, rows: m.rows, answer: m.answer, later })));`,
    );
    expect(JSON.parse(out)).toEqual({ here: join(pkg(), 'src', 'index.ts'), version: '1.2.3', rows: 3, answer: 42, later: 43 });
  });

  it('recompiles a package whose source changed, removes what a deleted source produced, and is a no-op when fresh', () => {
    const first = compiler();
    first.ensureCompiled(root);
    expect(first.stalePackages(root)).toEqual([]);
    expect(first.ensureCompiled(root)).toEqual([]);

    write('src/lib/answer.ts', 'export const answer: number = 7;\n');
    write('src/lib/gone.ts', 'export const gone = 1;\n');
    expect(
      compiler()
        .stalePackages(root)
        .map((entry) => entry.dir),
    ).toEqual([pkg()]);
    compiler().ensureCompiled(root);
    expect(runNode(pkg(), `console.log(require('./dist/src/index.js').answer)`).trim()).toBe('7');
    expect(existsSync(join(pkg(), 'dist', 'src', 'lib', 'gone.js'))).toBe(true);

    rmSync(join(pkg(), 'src', 'lib', 'gone.ts'));
    compiler().ensureCompiled(root);
    expect(existsSync(join(pkg(), 'dist', 'src', 'lib', 'gone.js'))).toBe(false);
  });

  it('decides by content: a touched file with the same bytes recompiles nothing, a same-size edit recompiles', () => {
    compiler().ensureCompiled(root);
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(pkg(), 'src', 'lib', 'answer.ts'), later, later);
    expect(compiler().stalePackages(root)).toEqual([]);
    write('src/lib/answer.ts', 'export const answer: number = 24;\n'); // same size as 42
    utimesSync(join(pkg(), 'src', 'lib', 'answer.ts'), later, new Date(later.getTime() + 1_000));
    expect(
      compiler()
        .stalePackages(root)
        .map((entry) => entry.dir),
    ).toEqual([pkg()]);
  });

  it('refuses a source that does not compile, naming the file', () => {
    write('src/lib/answer.ts', 'export const answer: number = ;\n');
    expect(() => compiler().ensureCompiled(root)).toThrow(/Cannot compile packages\/demo\/src\/lib\/answer\.ts/);
  });

  it('leaves a package without the @reproml/source condition alone', () => {
    write('package.json', JSON.stringify({ name: '@demo/pkg', exports: { '.': './src/index.ts' } }));
    expect(compiler().ensureCompiled(root)).toEqual([]);
    expect(existsSync(join(pkg(), 'dist'))).toBe(false);
  });
});
