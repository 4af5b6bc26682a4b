#!/usr/bin/env node
// Compiled JavaScript of the workspace's TypeScript packages, kept fresh by content hash.
//
// Nx, the stage executor and the `reproml` CLI load JavaScript from `<package>/dist/` (each
// package.json's `default` export condition) instead of transpiling TypeScript on every command.
// A package opts in with the `@reproml/source` export condition (its sources; `default` is dist/); its non-test `.ts` files compile one to one
// (`src/a/b.ts` → `dist/src/a/b.js`) with the transform @swc-node/register applies at run time, so
// the code that runs is the code that ran before. `dist/.source-hash` holds the sha256 of the
// package's sources and of the compiler inputs (this file, tsconfig, lockfile; with their sizes and mtimes, which spare re-reading them): `ensureCompiled` (called by the plugin entry, the
// executor entry, the CLI bins, the test setup and the bootstrap) recompiles a package whose hash
// differs, so an edited source never runs stale. Writes are atomic per file and the stamp comes
// last; two processes compiling at once write the same bytes.
//
// Inside compiled code `__dirname` is the source file's folder and a relative require of a file
// that is not compiled (package.json, a .mjs table) points at the source tree, so paths resolve
// as they did from the sources.
//
//   node tools/compile-packages.cjs [--check]   compile what is stale (or only report it)
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join, relative, resolve, sep } = require('node:path');

const DIST = 'dist';
const STAMP = '.source-hash';
// The export condition naming a package's TypeScript sources (tests and transpiled tools use it): a package with it compiles.
const SOURCE_CONDITION = '@reproml/source';
const GROUPS = ['packages', 'plugins'];
const SKIPPED_DIRS = new Set(['node_modules', DIST, 'out']);

/** Workspace package folders whose manifest points an export (or main/bin) into ./dist/. */
function compiledPackages(workspaceRoot) {
  const dirs = [];
  for (const group of GROUPS) {
    const groupDir = join(workspaceRoot, group);
    if (!existsSync(groupDir)) continue;
    for (const name of readdirSync(groupDir).sort()) {
      const manifest = join(groupDir, name, 'package.json');
      if (existsSync(manifest) && readFileSync(manifest, 'utf8').includes(`"${SOURCE_CONDITION}"`)) dirs.push(join(groupDir, name));
    }
  }
  return dirs;
}

/** Package-relative paths (`/`-separated) of the sources that compile: `.ts` files but tests, declarations and templates. */
function sourceFiles(packageDir, dir = packageDir, prefix = '', found = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.')) sourceFiles(packageDir, join(dir, entry.name), `${prefix}${entry.name}/`, found);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) {
      found.push(`${prefix}${entry.name}`);
    }
  }
  return found.sort();
}

/**
 * What else decides the compiled bytes: this compiler, the workspace's compiler options and the
 * lockfile (the swc version). Paths that do not exist are skipped.
 */
function compilerInputs(workspaceRoot) {
  return [__filename, ...['tsconfig.base.json', 'tsconfig.json', 'pnpm-lock.yaml'].map((name) => join(workspaceRoot, name))].filter((file) => existsSync(file));
}

/** sha256 of the compiler inputs and of every source's path and bytes. */
function sourceHash(workspaceRoot, packageDir, files) {
  const hash = createHash('sha256');
  for (const input of compilerInputs(workspaceRoot)) hash.update(readFileSync(input));
  for (const file of files) {
    hash.update(`\0${file}\0`);
    hash.update(readFileSync(join(packageDir, file)));
  }
  return hash.digest('hex');
}

/** `<name>:<size>:<mtime>` of a file. */
function statLine(path, name) {
  const stats = statSync(path);
  return `${name}:${stats.size}:${stats.mtimeMs}`;
}

/** The compiler inputs' stat lines (the start of every package's stats: see sourceStats). */
function compilerInputStats(workspaceRoot) {
  return compilerInputs(workspaceRoot).map((input) => statLine(input, input));
}

/** Size and mtime of every source and compiler input: when none changed, the bytes did not either. */
function sourceStats(workspaceRoot, packageDir, files, inputStats = compilerInputStats(workspaceRoot)) {
  return [...inputStats, ...files.map((file) => statLine(`${packageDir}/${file}`, file))].join('\n');
}

/** dist/.source-hash: `{ hash, stats }` (stats only spare re-reading unchanged sources). */
function readStamp(packageDir) {
  try {
    return JSON.parse(readFileSync(join(packageDir, DIST, STAMP), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The packages whose dist/ does not match their sources: [{ dir, files, hash, stats }]. */
function stalePackages(workspaceRoot) {
  const stale = [];
  const inputStats = compilerInputStats(workspaceRoot);
  for (const dir of compiledPackages(workspaceRoot)) {
    const files = sourceFiles(dir);
    const stats = sourceStats(workspaceRoot, dir, files, inputStats);
    const stamp = readStamp(dir);
    if (stamp?.stats === stats) continue;
    const hash = sourceHash(workspaceRoot, dir, files);
    if (stamp?.hash === hash) writeAtomic(join(dir, DIST, STAMP), JSON.stringify({ hash, stats }));
    else stale.push({ dir, files, hash, stats });
  }
  return stale;
}

let transformer;

/** The transform @swc-node/register applies (same options from the same tsconfig), loaded on first use. */
function swcTransformer(workspaceRoot) {
  if (!transformer) {
    const settings = require.resolve('@swc-node/register/read-default-tsconfig', { paths: [workspaceRoot, __dirname] });
    const registerDir = dirname(dirname(settings));
    const { readDefaultTsConfig, tsCompilerOptionsToSwcConfig } = require(settings);
    const { transformSync } = require(require.resolve('@swc-node/core', { paths: [registerDir] }));
    const ts = require(require.resolve('typescript', { paths: [registerDir] }));
    const tsconfig = ['tsconfig.base.json', 'tsconfig.json'].map((name) => join(workspaceRoot, name)).find(existsSync);
    const options = readDefaultTsConfig(tsconfig);
    options.module = ts.ModuleKind.CommonJS;
    transformer = (source, filename) => transformSync(source, filename, { ...tsCompilerOptionsToSwcConfig(options, filename), sourcemap: true });
  }
  return transformer;
}

const SOURCE_DIRNAME = '__sourceDirname';
const RELATIVE_REQUIRE = /\brequire\((["'])(\.{1,2}\/[^"']*)\1\)/g;

/** A relative module request from `sourceDir` that names a compiled source: the request with `.js` for `.ts`, else undefined. */
function compiledRequest(sourceDir, request) {
  const target = resolve(sourceDir, request);
  if (request.endsWith('.ts')) return existsSync(target) ? `${request.slice(0, -3)}.js` : undefined;
  if (existsSync(`${target}.ts`) || existsSync(join(target, 'index.ts'))) return request;
  return undefined;
}

/** Compiled code of one source file, its requests and `__dirname` mapped as described at the top. */
function compileFile(workspaceRoot, packageDir, file) {
  const sourcePath = join(packageDir, file);
  const outPath = join(packageDir, DIST, file.replace(/\.ts$/, '.js'));
  const sourceDir = dirname(sourcePath);
  const outDir = dirname(outPath);
  const { code, map } = swcTransformer(workspaceRoot)(readFileSync(sourcePath, 'utf8'), sourcePath);
  let body = code.replace(RELATIVE_REQUIRE, (_whole, quote, request) => {
    const compiled = compiledRequest(sourceDir, request);
    if (compiled !== undefined) return `require(${quote}${compiled}${quote})`;
    let fromOut = relative(outDir, resolve(sourceDir, request)).split(sep).join('/');
    if (!fromOut.startsWith('.')) fromOut = `./${fromOut}`;
    return `require(${quote}${fromOut}${quote})`;
  });
  // Source maps carry the sources' text already; the comment lets `node --enable-source-maps` use them.
  body = body.replace(/\n\/\/# sourceMappingURL=data:[^\n]*\s*$/, '');
  if (/\b__dirname\b/.test(body)) {
    // A new name rather than `var __dirname`, which a bundler's module wrapper (no __dirname parameter) would hoist to undefined.
    const toSource = relative(outDir, sourceDir).split(sep).join('/');
    const prologue = `const ${SOURCE_DIRNAME} = require("node:path").resolve(__dirname, ${JSON.stringify(toSource)});\n`;
    body = body.replace(/\b__dirname\b/g, SOURCE_DIRNAME);
    body = body.startsWith('"use strict";') ? `"use strict";\n${prologue}${body.slice('"use strict";'.length)}` : prologue + body;
  }
  const mapName = `${outPath.slice(outDir.length + 1)}.map`;
  return { outPath, code: `${body}\n//# sourceMappingURL=${mapName}\n`, map };
}

function writeAtomic(path, content) {
  mkdirSync(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${path.slice(dirname(path).length + 1)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(temp, content);
  renameSync(temp, path);
}

/** Files under dist/ that no source produces any more (a deleted or renamed source). */
function removeOrphans(distDir, wanted, dir = distDir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) removeOrphans(distDir, wanted, path);
    else if (entry.name !== STAMP && !entry.name.startsWith('.') && !wanted.has(path)) rmSync(path, { force: true });
  }
}

function compilePackage(workspaceRoot, { dir, files, hash, stats }) {
  const wanted = new Set();
  for (const file of files) {
    let compiled;
    try {
      compiled = compileFile(workspaceRoot, dir, file);
    } catch (error) {
      throw new Error(`Cannot compile ${relative(workspaceRoot, join(dir, file))}: ${error instanceof Error ? error.message : error}`, { cause: error });
    }
    writeAtomic(compiled.outPath, compiled.code);
    wanted.add(compiled.outPath);
    if (compiled.map) {
      writeAtomic(`${compiled.outPath}.map`, compiled.map);
      wanted.add(`${compiled.outPath}.map`);
    }
  }
  removeOrphans(join(dir, DIST), wanted);
  writeAtomic(join(dir, DIST, STAMP), JSON.stringify({ hash, stats }));
}

/**
 * Compiles every package of `workspaceRoot` whose dist/ is missing or older than its sources;
 * returns the package folders it compiled. Throws (naming the file) when a source does not compile.
 */
function ensureCompiled(workspaceRoot, { log } = {}) {
  const stale = stalePackages(workspaceRoot);
  for (const entry of stale) {
    const started = Date.now();
    compilePackage(workspaceRoot, entry);
    log?.(`compiled ${relative(workspaceRoot, entry.dir)} (${entry.files.length} files) in ${Date.now() - started} ms`);
  }
  return stale.map((entry) => entry.dir);
}

/** The workspace a file of a package lives in (`<root>/<group>/<package>/…`): where its compiled siblings are. */
function workspaceOf(packageDir) {
  return resolve(packageDir, '..', '..');
}

module.exports = { ensureCompiled, stalePackages, compiledPackages, workspaceOf, DIST };

if (require.main === module) {
  const root = resolve(__dirname, '..');
  if (process.argv.includes('--check')) {
    const stale = stalePackages(root).map((entry) => relative(root, entry.dir));
    console.log(stale.length ? `stale: ${stale.join(', ')}` : 'every compiled package is fresh');
    process.exitCode = stale.length ? 1 : 0;
  } else {
    const started = Date.now();
    const compiled = ensureCompiled(root, { log: (line) => console.log(line) });
    if (compiled.length === 0) console.log('every compiled package is fresh');
    else console.log(`compiled ${compiled.length} package(s) in ${Date.now() - started} ms`);
  }
}
