import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reproml } from './support/reproml-cli';
import { REPO_ROOT, TempWorkspace } from './support/temp-workspace';

/** Governed data changes: `lock` writes the changelog, `reproml data diff/tag/log` read versions, CI refuses undocumented lock changes. */

const STAGE = {
  kind: 'pull',
  files: { shop: { source: 'pipelines/shop/raw/shop.csv' } },
};

function csv(rows: number, options: { shift?: number; cities: string[]; year?: boolean }): string {
  const header = ['id', 'price', 'qty', 'city', ...(options.year ? ['year'] : [])];
  const lines = [header.join(',')];
  for (let i = 0; i < rows; i++) {
    const cells = [String(i), String(10 + (i % 50) + (options.shift ?? 0)), String(i % 7), options.cities[i % options.cities.length]!];
    if (options.year) cells.push(String(2020 + (i % 4)));
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}

function checkChangelogs(workspace: TempWorkspace, base: string): { status: number; output: string } {
  const result = spawnSync(process.execPath, ['-r', '@swc-node/register', `${REPO_ROOT}/tools/ci/check-lock-changelog.ts`, '--base', base], {
    cwd: workspace.root,
    encoding: 'utf8',
  });
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}

/**
 * `nx run <stage>:lock` on a terminal (a pseudo-terminal from util-linux's `script`), answering
 * the question it asks once it appears. Resolves with what the terminal showed.
 */
function lockOnTerminal(workspace: TempWorkspace, project: string, answer: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const nx = workspace.path('node_modules/.bin/nx');
    const child = spawn('script', ['-qec', `${nx} run ${project}:lock`, '/dev/null'], {
      cwd: workspace.root,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_CACHE_DIRECTORY: workspace.cacheDir, NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let shown = '';
    let answered = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.stdout.on('data', (chunk: Buffer) => {
      shown += chunk.toString('utf8');
      if (!answered && shown.includes('Why did the data change?')) {
        answered = true;
        child.stdin.write(`${answer}\r`);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0 && answered) resolve(shown);
      else reject(new Error(`lock on a terminal ended with ${code} (question ${answered ? '' : 'never '}asked):\n${shown}`));
    });
  });
}

describe('dataset changelog and governed data changes', () => {
  let workspace: TempWorkspace;
  let first: string;
  let second: string;

  beforeAll(() => {
    workspace = TempWorkspace.create({ label: 'changelog' });
    workspace.git('config', 'user.name', 'Dana Data');
    workspace.git('config', 'user.email', 'dana@example.com');
    workspace.write('pipelines/shop/data/stage.json', STAGE);
    workspace.write('pipelines/shop/raw/shop.csv', csv(400, { cities: ['Lyon', 'Oslo', 'Rome'] }));
    workspace.nxOk(['run', 'shop-data:lock', '--message', 'First export of the shop data']);
    first = workspace.commitAll('lock the first shop export');
    workspace.write('pipelines/shop/raw/shop.csv', csv(400, { cities: ['Lyon', 'Oslo'], shift: 40, year: true }));
    workspace.nxOk(['run', 'shop-data:lock', '--message', 'New export: adds the year, Rome store closed']);
    second = workspace.commitAll('lock the second shop export');
  });

  afterAll(() => workspace?.remove());

  it('lock appends an entry naming who, why and what changed', () => {
    const changelog = workspace.read('pipelines/shop/data/CHANGELOG.md');
    expect(changelog).toContain('Dana Data <dana@example.com>');
    expect(changelog).toContain('First export of the shop data');
    expect(changelog).toContain('shop: first lock of pipelines/shop/raw/shop.csv (400 rows × 4 columns)');
    expect(changelog).toContain('New export: adds the year, Rome store closed');
    const summary = changelog.split('\n').find((line) => line.startsWith('- shop: 400 → 400 rows'));
    expect(summary).toMatch(/'price' major shift \(PSI [\d.]+, KS [\d.]+\)/);
    expect(summary).toContain("'city' lost category Rome");
    expect(summary).toContain("added column 'year' (number)");
    expect(summary).not.toMatch(/'(id|qty)'/);
    expect(reproml(workspace, ['data', 'log', 'shop-data']).stdout).toMatch(/New export[\s\S]*First export/);
  });

  it('data diff names exactly the added column, the vanished category and the shifted column', () => {
    const result = reproml(workspace, ['data', 'diff', 'shop-data', '--json']);
    expect(result.stderr).toBe('');
    const diff = JSON.parse(result.stdout);
    expect(diff.before.commit).toBe(first);
    expect(diff.after.commit).toBe(second);
    const [file] = diff.files;
    expect(file.change).toBe('changed');
    const columns = Object.fromEntries(file.profile.columns.map((column: { name: string }) => [column.name, column]));
    expect(file.profile.columns.filter((column: { change: string }) => column.change !== 'kept').map((column: { name: string }) => column.name)).toEqual([
      'year',
    ]);
    expect(columns.city.categories).toEqual({ added: [], vanished: ['Rome'], complete: true });
    // price moved; city's distribution moved with the category it lost; id and qty did not change.
    expect(Object.fromEntries(file.profile.columns.map((column: { name: string; shift?: { level: string } }) => [column.name, column.shift?.level]))).toEqual({
      id: 'stable',
      price: 'major',
      qty: 'stable',
      city: 'major',
      year: undefined,
    });
    expect(reproml(workspace, ['data', 'diff', 'shop-data']).stdout).toContain("added column 'year' (number)");
    // Nothing pulled yet: both versions were read from the locked bytes (git holds the workspace file).
    expect(file.profileFrom).toEqual({ before: 'data', after: 'data' });
  });

  it('data diff reads a version from out/, the Nx cache or the run store when a pull made it, with the same answer', () => {
    const fromData = JSON.parse(reproml(workspace, ['data', 'diff', 'shop-data', '--json']).stdout);
    workspace.git('checkout', '-q', '-f', first);
    workspace.nxOk(['run', 'shop-data:run']);
    workspace.git('checkout', '-q', '-f', 'main');
    workspace.nxOk(['run', 'shop-data:run']);
    // The first version's out/ is one of the results in Nx's cache (NX_CACHE_DIRECTORY of the workspace).
    const cached = JSON.parse(reproml(workspace, ['data', 'diff', 'shop-data', '--json']).stdout);
    expect(cached.files[0].profileFrom).toEqual({ before: 'nx-cache', after: 'out' });
    expect(cached.files[0].profile).toEqual(fromData.files[0].profile);
    // Without that cache, the pull run recorded in the run store has it.
    const recorded = JSON.parse(reproml(workspace, ['data', 'diff', 'shop-data', '--json'], { NX_CACHE_DIRECTORY: workspace.path('no-nx-cache') }).stdout);
    expect(recorded.files[0].profileFrom).toEqual({ before: 'run-store', after: 'out' });
    expect(recorded.files[0].profile).toEqual(fromData.files[0].profile);
  });

  it('data tag names a version, and data diff accepts tag names', () => {
    workspace.git('checkout', '-q', '-f', first);
    expect(reproml(workspace, ['data', 'tag', 'shop-data', 'v1']).status).toBe(0);
    workspace.git('checkout', '-q', '-f', 'main');
    expect(reproml(workspace, ['data', 'tag', 'shop-data', 'v2']).status).toBe(0);
    expect(workspace.git('rev-parse', 'data/shop-data/v1^{commit}').trim()).toBe(first);
    const diff = JSON.parse(reproml(workspace, ['data', 'diff', 'shop-data', 'v1', 'v2', '--json']).stdout);
    expect([diff.before.commit, diff.after.commit]).toEqual([first, second]);
    const again = reproml(workspace, ['data', 'tag', 'shop-data', 'v2']);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('data/shop-data/v2');
  });

  it('the CI check accepts documented lock changes and refuses undocumented ones', () => {
    expect(checkChangelogs(workspace, first)).toMatchObject({ status: 0 });

    workspace.write('pipelines/shop/raw/shop.csv', csv(300, { cities: ['Lyon', 'Oslo'], year: true }));
    workspace.nxOk(['run', 'shop-data:lock', '--message', 'dropped for the test']);
    execFileSync('git', ['checkout', '--', 'pipelines/shop/data/CHANGELOG.md'], { cwd: workspace.root });
    const undocumented = workspace.commitAll('relock without a changelog entry');
    const refused = checkChangelogs(workspace, second);
    expect(refused.status).toBe(1);
    expect(refused.output).toContain('pipelines/shop/data/stage.lock.json: changed without an entry');

    workspace.write('pipelines/shop/raw/shop.csv', csv(280, { cities: ['Lyon', 'Oslo'], year: true }));
    workspace.nxOk(['run', 'shop-data:lock']);
    workspace.commitAll('relock with no message');
    const placeholder = checkChangelogs(workspace, undocumented);
    expect(placeholder.status).toBe(1);
    expect(placeholder.output).toContain('has no message');
  });

  it('lock asks for the message on a terminal and writes the answer into the entry', async () => {
    workspace.write('pipelines/shop/raw/shop.csv', csv(260, { cities: ['Lyon', 'Oslo'], year: true }));
    const shown = await lockOnTerminal(workspace, 'shop-data', 'Typed at the terminal: late returns removed');
    expect(shown).toContain('appended the entry for lock');
    const newest = JSON.parse(reproml(workspace, ['data', 'log', 'shop-data', '--json']).stdout).at(-1);
    expect(newest).toMatchObject({ message: 'Typed at the terminal: late returns removed', author: 'Dana Data <dana@example.com>' });
    expect(newest.summary[0]).toMatch(/^shop: \d+ → 260 rows/);
    const base = workspace.git('rev-parse', 'HEAD').trim();
    workspace.commitAll('relock, described on the terminal');
    expect(checkChangelogs(workspace, base)).toMatchObject({ status: 0 });
  });
});
