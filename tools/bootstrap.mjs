#!/usr/bin/env node
// Entry point of `npm run demo` and `npm test` on a fresh clone: installs what is missing
// with the pinned pnpm (from the lockfile, frozen), then runs the requested job.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager;
const STAMP = join(root, 'node_modules', '.reproml-install-stamp');

const JOBS = {
  // Only the install (pinned pnpm, frozen lockfile) and the compiled packages: what CI runs before its own steps.
  install: [],
  demo: [['node', ['tools/demo.mjs']]],
  // Debian packages some tests use (chromium for the report's browser test, python3-onnx for
  // the strict ONNX checker, postgresql for the run store's server tests), with apt-get when
  // missing and allowed; a machine where they cannot be installed still runs the tests, and
  // those say what is missing.
  test: [
    ['bash', ['tools/ci/ensure-test-packages.sh'], { optional: true }],
    ['node_modules/.bin/biome', ['ci', '.']],
    ['node_modules/.bin/tsc', ['-p', 'tsconfig.json']],
    ['node_modules/.bin/vitest', ['run']],
  ],
  typecheck: [['node_modules/.bin/tsc', ['-p', 'tsconfig.json']]],
  // Lint + format check (Biome's recommended rules; biome.json says which two are off and why).
  lint: [['node_modules/.bin/biome', ['ci', '.']]],
  // Rewrites files: formats and applies Biome's safe fixes.
  format: [['node_modules/.bin/biome', ['check', '--write', '.']]],
};

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19) || major === 21 || (major === 22 && minor < 12)) {
    console.error(`ReproML needs Node >=20.19 (20.x) or >=22.12; this is ${process.version}.`);
    process.exit(1);
  }
}

function installStamp() {
  const hash = createHash('sha256');
  for (const file of ['pnpm-lock.yaml', 'pnpm-workspace.yaml', 'package.json', ...workspaceManifests()]) hash.update(readFileSync(join(root, file)));
  hash.update(process.version);
  return hash.digest('hex');
}

// Every workspace package's manifest: a new package (or a new dependency of one) needs an install
// even when the lockfile text happens to be unchanged in a worktree.
function workspaceManifests() {
  return ['packages', 'plugins'].flatMap((group) =>
    existsSync(join(root, group))
      ? readdirSync(join(root, group))
          .sort()
          .map((name) => `${group}/${name}/package.json`)
          .filter((file) => existsSync(join(root, file)))
      : [],
  );
}

// better-sqlite3 (the run store) compiles with node-gyp when no prebuilt binary can be
// downloaded (offline). Point node-gyp at the headers installed beside this Node, so it
// does not try to download them either.
function nodeHeadersEnv() {
  if (process.env.npm_config_nodedir) return {};
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node.h')) ? { npm_config_nodedir: prefix } : {};
}

function ensureInstalled() {
  const wanted = installStamp();
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === wanted) return;
  console.log(`Installing dependencies with ${PNPM} (frozen lockfile)…`);
  const result = spawnSync('npx', ['--yes', PNPM, 'install', '--frozen-lockfile'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, COREPACK_INTEGRITY_KEYS: '0', ...nodeHeadersEnv() },
  });
  if (result.status !== 0) {
    console.error('Dependency install failed; see the output above. The lockfile is pnpm-lock.yaml.');
    process.exit(result.status ?? 1);
  }
  // A new file renamed into place: a stamp hard-linked into another checkout's node_modules is never rewritten through the link.
  writeFileSync(`${STAMP}.${process.pid}`, wanted);
  renameSync(`${STAMP}.${process.pid}`, STAMP);
}

// The packages run as compiled JavaScript (dist/, see tools/compile-packages.cjs): compile what is
// missing or older than its sources once, here, rather than in the first nx command.
function ensureCompiledPackages() {
  const { ensureCompiled } = createRequire(import.meta.url)('./compile-packages.cjs');
  ensureCompiled(root, { log: (line) => console.log(line) });
}

// Jobs that read sources only (Biome) do not need the compiled packages.
const SOURCE_ONLY_JOBS = new Set(['lint', 'format']);

function run(job) {
  const steps = JOBS[job];
  if (!steps) {
    console.error(`usage: node tools/bootstrap.mjs <${Object.keys(JOBS).join('|')}> [args…]`);
    process.exit(2);
  }
  checkNode();
  ensureInstalled();
  if (!SOURCE_ONLY_JOBS.has(job)) ensureCompiledPackages();
  const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
  const extraArgs = process.argv.slice(3);
  steps.forEach(([command, args, { optional = false } = {}], index) => {
    // Arguments after the job name go to its main (last) step, e.g. `npm test -- test/affected.spec.ts`.
    const result = spawnSync(command, [...args, ...(index === steps.length - 1 ? extraArgs : [])], { cwd: root, stdio: 'inherit', env });
    if (result.status === 0) return;
    if (optional) console.warn(`warning: ${command} ${args.join(' ')} failed (exit ${result.status}); continuing`);
    else process.exit(result.status ?? 1);
  });
}

run(process.argv[2]);
