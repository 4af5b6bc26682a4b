import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, TempWorkspace, taskOutcomes } from './support/temp-workspace';

const CHROMIUM = '/usr/bin/chromium';
const RUN_PIPELINE = ['run-many', '-t', 'run', '--projects', 'tag:pipeline:penguins', '--output-style=stream'];
/** Where the screenshot goes (gitignored): look at it after the run. */
const SCREENSHOT = join(REPO_ROOT, 'tmp', 'test-output', 'tracking-report.png');

/**
 * As a person would: run the penguins pipeline, change a hyper-parameter, run it again, build
 * the report, open it in a real browser from disk with the network cut, and look at it.
 */
describe('the tracking report of the penguins pipeline (real nx CLI, headless Chromium)', () => {
  let workspace: TempWorkspace;
  let env: Record<string, string>;
  let browserProfile: string;
  let context: BrowserContext | undefined;

  const cli = (args: string[]) => {
    const result = spawnSync(process.execPath, [workspace.path('packages/cli/bin/reproml.js'), ...args], {
      cwd: workspace.root,
      encoding: 'utf8',
      env: { ...process.env, ...env, NO_COLOR: '1' },
    });
    if (result.status !== 0) throw new Error(`reproml ${args.join(' ')} exited ${result.status}:\n${result.stdout}${result.stderr}`);
    return result.stdout;
  };

  beforeAll(() => {
    workspace = TempWorkspace.create({ label: 'report', pipelines: ['penguins'] });
    env = { REPROML_TRACKING_DB: `${workspace.root}.runs.sqlite` };
    browserProfile = mkdtempSync(join(tmpdir(), 'reproml-chromium-profile-'));
  });
  afterAll(async () => {
    await context?.close();
    workspace?.remove();
    rmSync(browserProfile, { recursive: true, force: true });
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${env.REPROML_TRACKING_DB}${suffix}`, { force: true });
  });

  it('records two runs with different learning rates, compares them, and shows both with charts in the browser', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: run tools/ci/ensure-test-packages.sh (apt-get install chromium)`).toBe(true);
    expect(taskOutcomes(workspace.nxOk(RUN_PIPELINE, env)).executed).toContain('penguins-train:run');
    const firstCommit = workspace.git('rev-parse', 'HEAD').trim();
    const trainFile = 'pipelines/penguins/train/stage.json';
    const stage = JSON.parse(workspace.read(trainFile));
    stage.training.optimizer.learningRate = 0.02;
    workspace.write(trainFile, stage);
    const secondCommit = workspace.commitAll('train with learning rate 0.02');
    const second = taskOutcomes(workspace.nxOk(RUN_PIPELINE, env));
    expect(second.executed).toEqual(expect.arrayContaining(['penguins-evaluate:run', 'penguins-train:run']));
    expect(second.cached).toEqual(expect.arrayContaining(['penguins-data:run', 'penguins-preprocess:run']));

    // The CLI, as a script would use it.
    const trainRuns = JSON.parse(cli(['runs', 'list', '--stage', 'train', '--json'])).runs;
    expect(trainRuns.map((run: { gitCommit: string; origin: string }) => [run.gitCommit, run.origin])).toEqual([
      [secondCommit, 'executed'],
      [firstCommit, 'executed'],
    ]);
    const [newer, older] = trainRuns as { id: number }[];
    const comparison = JSON.parse(cli(['runs', 'compare', String(older!.id), String(newer!.id), '--json']));
    expect(comparison.params.filter((param: { differs: boolean }) => param.differs)).toEqual([
      { key: 'training.optimizer.learningRate', values: [0.005, 0.02], differs: true },
    ]);
    expect(cli(['runs', 'compare', String(older!.id), String(newer!.id)])).toMatch(/≠ training\.optimizer\.learningRate\s+0\.005\s+0\.02/);
    const diff = JSON.parse(cli(['runs', 'metrics', 'diff', 'HEAD~1', 'HEAD', '--json']));
    expect(diff.a.commit).toBe(firstCommit);
    expect(diff.deltas.some((delta: { project: string; metric: string }) => delta.project === 'penguins-train' && delta.metric === 'epochsRun')).toBe(true);
    expect(cli(['runs', 'annotate', String(newer!.id), 'faster convergence, same accuracy', '--tag', 'candidate'])).toContain('faster convergence');
    expect(JSON.parse(cli(['runs', 'list', '--tag', 'candidate', '--json'])).runs.map((run: { id: number }) => run.id)).toEqual([newer!.id]);

    const reportPath = workspace.path('report', 'penguins.html');
    expect(cli(['report', 'penguins', '--out', reportPath])).toMatch(/report for penguins: report\/penguins\.html \(\d+ run\(s\), \d+ chart\(s\)\)/);
    const html = readFileSync(reportPath, 'utf8');
    expect(html).not.toMatch(/<script|<link|src="http|href="http|@import|url\((?!#)/);

    // The browser: from disk, with every non-file request refused and counted.
    context = await chromium.launchPersistentContext(browserProfile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      viewport: { width: 1366, height: 900 },
    });
    const external: string[] = [];
    await context.route('**/*', (route) => {
      if (route.request().url().startsWith('file:')) return route.continue();
      external.push(route.request().url());
      return route.abort();
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`file://${reportPath}`);
    expect(await page.title()).toBe('ReproML report: penguins');

    // Both training runs are in the runs table, with the learning rate that differs.
    for (const run of [older!, newer!]) {
      const row = page.locator(`tr.run[data-run-id="${run.id}"]`);
      await expect.poll(() => row.count()).toBe(1);
      expect(await row.textContent()).toMatch(/penguins-train[\s\S]*training\.optimizer\.learningRate=0\.0(05|2)/);
    }
    expect(await page.locator(`tr.run[data-run-id="${newer!.id}"]`).textContent()).toContain('faster convergence');

    // Charts: rendered (non-empty boxes), with both runs in the training curves.
    const charts = page.locator('svg.chart');
    expect(await charts.count()).toBeGreaterThanOrEqual(12);
    for (const box of await charts.evaluateAll((svgs) => svgs.map((svg) => svg.getBoundingClientRect()))) {
      expect(box.width).toBeGreaterThan(100);
      expect(box.height).toBeGreaterThan(80);
    }
    const trainingSeries = await page.locator('#training path.series').evaluateAll((paths) => paths.map((path) => path.getAttribute('data-series')));
    expect(trainingSeries).toContain(`run ${older!.id}: learningRate 0.005`);
    expect(trainingSeries).toContain(`run ${newer!.id}: learningRate 0.02`);
    // The gbdt stage's model.json feature importance: bars and a table row per feature.
    const gbdtImportance = page.locator('#training figure', { hasText: 'Feature importance (gain): penguins-train-gbdt' });
    await expect.poll(() => gbdtImportance.count()).toBe(1);
    expect(await gbdtImportance.locator('tbody tr').count()).toBe(10);
    expect(await page.locator('#trends svg.chart circle').count()).toBeGreaterThanOrEqual(2);
    const evaluation = await page.locator('#evaluation').textContent();
    expect(evaluation).toMatch(/Confusion matrix/);
    // 3 × 3 classes: two runs of penguins-evaluate and one of penguins-evaluate-gbdt (cached the second time)
    expect(await page.locator('#evaluation rect.cell').count()).toBe(9 * 3);
    expect(await page.locator('#evaluation svg > title').evaluateAll((titles) => titles.map((title) => title.textContent))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^ROC curves/), expect.stringMatching(/^Precision–recall curves/)]),
    );
    expect(await page.locator('#data svg.chart').count()).toBeGreaterThanOrEqual(6);
    expect(await page.locator('#drift').count()).toBe(1);
    expect(await page.locator('#drift').textContent()).toMatch(/Data drift: (ok|warning|alert)[\s\S]*penguins-drift run \d+/);
    expect(await page.locator('#lineage svg .node').count()).toBeGreaterThanOrEqual(4);
    // The lineage table: the raw data's sha256 and the model's, as recorded by the latest runs.
    const lineage = await page.locator('#lineage table.lineage').textContent();
    const penguinsJson = createHash('sha256')
      .update(readFileSync(workspace.path('pipelines/penguins/raw/penguins.json')))
      .digest('hex');
    const modelOnnx = createHash('sha256')
      .update(readFileSync(workspace.path('pipelines/penguins/train/out/model.onnx')))
      .digest('hex');
    expect(lineage).toMatch(new RegExp(`pipelines/penguins/raw/penguins\\.json ${penguinsJson.slice(0, 12)}`));
    expect(lineage).toContain(`model.onnx ${modelOnnx.slice(0, 12)}`);
    expect(external).toEqual([]);

    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    writeFileSync(SCREENSHOT, await page.screenshot({ fullPage: true }));
    expect(readFileSync(SCREENSHOT).subarray(1, 4).toString()).toBe('PNG');
  });
});
