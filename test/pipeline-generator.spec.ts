import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, predictionLabel, predictTable } from '../packages/onnx/src';
import { reproml } from './support/reproml-cli';
import { REPO_ROOT, TempWorkspace, taskOutcomes } from './support/temp-workspace';

const TUTORIAL_HEADING = '## Your own data in five minutes';

/** The shell lines of the README tutorial's first ```sh block, comments removed: the test runs exactly these. */
function tutorialCommands(readme: string): string[] {
  const section = readme.slice(readme.indexOf(TUTORIAL_HEADING));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!section.startsWith(TUTORIAL_HEADING) || !block) throw new Error(`README.md has no \`\`\`sh block under '${TUTORIAL_HEADING}'`);
  return block[1]!
    .split('\n')
    .map((line) => line.replace(/\s+#\s.*$/, '').trim())
    .filter((line) => line !== '');
}

/** A shell line as argv lists: words split on blanks, single and double quotes kept together, `&&` between commands. */
function shellCommands(line: string): string[][] {
  const commands: string[][] = [[]];
  for (const match of line.matchAll(/&&|"([^"]*)"|'([^']*)'|[^\s"'&]+/g)) {
    if (match[0] === '&&') commands.push([]);
    else commands.at(-1)!.push(match[1] ?? match[2] ?? match[0]);
  }
  return commands;
}

const stagesOf = (pipeline: string) => ['data', 'evaluate', 'preprocess', 'push', 'train'].map((stage) => `${pipeline}-${stage}:run`);

/**
 * From a data file to a pushed model: `nx g @reproml/nx:pipeline` on the datasets the repository ships
 * (seattle-weather: classification with a date column, following the README tutorial; cars: regression)
 * and on penguins body mass, run by the real nx CLI in one temp workspace.
 */
describe('nx g @reproml/nx:pipeline (real nx CLI)', () => {
  let workspace: TempWorkspace;

  beforeAll(() => {
    workspace = TempWorkspace.create({ label: 'generator' });
    workspace.write('data/penguins.json', readFileSync(join(REPO_ROOT, 'pipelines/penguins/raw/penguins.json'), 'utf8'));
    workspace.commitAll('add the data file');
  });
  afterAll(() => workspace?.remove());

  /** Runs one tutorial command as a user would: `npx nx …` is the workspace's nx, `npx reproml …` its reproml, `git …` git. */
  function follow(argv: string[]): { status: number; output: string } {
    const [program, ...args] = argv;
    if (program === 'npx' && args[0] === 'nx') return workspace.nx(args.slice(1));
    if (program === 'npx' && args[0] === 'reproml') {
      const result = reproml(workspace, args.slice(1));
      return { status: result.status, output: `${result.stdout}${result.stderr}` };
    }
    if (program === 'git') return { status: 0, output: workspace.git(...args) };
    throw new Error(`the tutorial runs '${argv.join(' ')}', which this test does not know how to follow`);
  }

  it('follows the README tutorial literally: seattle-weather (date column) runs green, then as cache hits, and verifies', () => {
    const lines = tutorialCommands(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
    expect(lines.length).toBeGreaterThanOrEqual(5);
    const stages = stagesOf('weather');
    const runs: string[] = [];
    for (const line of lines) {
      for (const argv of shellCommands(line)) {
        const result = follow(argv);
        expect(result.status, `${line}\n${result.output}`).toBe(0);
        const command = argv.join(' ');
        if (command.includes('--dry-run')) {
          expect(result.output).toContain('CREATE pipelines/weather/preprocess/stage.json');
          expect(workspace.exists('pipelines/weather')).toBe(false);
        } else if (command.includes('@reproml/nx:pipeline')) {
          expect(result.output).toContain('Task: classification');
          expect(result.output).toMatch(/date\s+date\s+ISO-8601 dates/);
        } else if (command.includes('run-many')) {
          runs.push(result.output);
        } else if (argv[1] === 'reproml' && argv[2] === 'verify') {
          for (const stage of ['data', 'evaluate', 'preprocess', 'train']) expect(result.output).toMatch(new RegExp(`✓ weather-${stage}\\s+bit-identical`));
        }
      }
    }
    expect(runs).toHaveLength(2);
    expect(taskOutcomes(runs[0]!).executed).toEqual(stages);
    // push is never cached by design (it checks the registry every time, a no-op for known artifacts).
    expect(taskOutcomes(runs[1]!).cached).toEqual(stages.filter((stage) => stage !== 'weather-push:run'));
    expect(taskOutcomes(runs[1]!).executed).toEqual(['weather-push:run']);

    const features = JSON.parse(workspace.read('pipelines/weather/preprocess/out/features.json'));
    expect(features.featureNames).toEqual(expect.arrayContaining(['date.year', 'date.month', 'date.day', 'date.dayOfWeek']));
    expect(features.classes).toEqual(['drizzle', 'fog', 'rain', 'snow', 'sun']);
    const metrics = JSON.parse(workspace.read('pipelines/weather/evaluate/out/metrics.json'));
    console.log(
      `weather (logistic baseline): test accuracy ${metrics.accuracy.toFixed(4)}, macro F1 ${metrics.f1.toFixed(4)}, per-class F1 ${metrics.perClass.map((c: { class: string; f1: number }) => `${c.class} ${c.f1.toFixed(2)}`).join(', ')}`,
    );
    // Most days are rain or sun (88%); a useful model beats always answering the majority class (44%).
    expect(metrics.accuracy).toBeGreaterThan(0.7);
  });

  it('shipped cars.json: a regression with a date column and missing values runs green, then as cache hits, and verifies', () => {
    const output = workspace.nxOk([
      'g',
      '@reproml/nx:pipeline',
      'mpg',
      '--data',
      'datasets/vega/cars.json',
      '--target',
      'Miles_per_Gallon',
      '--no-interactive',
    ]);
    expect(output).toContain('Task: regression');
    expect(output).toContain('model: linear (baseline)');
    workspace.commitAll('generated cars pipeline');
    const run = ['run-many', '-t', 'run', '--projects', 'tag:pipeline:mpg', '--output-style=stream'];
    expect(taskOutcomes(workspace.nxOk(run)).executed).toEqual(stagesOf('mpg'));
    const metrics = JSON.parse(workspace.read('pipelines/mpg/evaluate/out/metrics.json'));
    console.log(`mpg (linear baseline): test r² ${metrics.r2.toFixed(4)}, RMSE ${metrics.rmse.toFixed(3)} mpg`);
    expect(metrics.r2).toBeGreaterThan(0.7);
    expect(taskOutcomes(workspace.nxOk(run)).cached).toEqual(stagesOf('mpg').filter((stage) => stage !== 'mpg-push:run'));
    const verify = reproml(workspace, ['verify', 'mpg']);
    expect(verify.status, `${verify.stdout}${verify.stderr}`).toBe(0);
    for (const stage of ['data', 'evaluate', 'preprocess', 'train']) expect(verify.stdout).toMatch(new RegExp(`✓ mpg-${stage}\\s+bit-identical`));
  });

  it("a number target with a few whole values is a classification without a cast: model.onnx labels are the data's numbers", async () => {
    // grade 1/2/3 from score thresholds (with a little overlap), as numbers in the file.
    const rows = Array.from({ length: 90 }, (_, i) => {
      const score = (i * 37) % 90;
      const grade = score < 30 ? 1 : score < 60 ? 2 : 3;
      return `${score + (i % 5) - 2},${i % 2 ? 'a' : 'b'},${grade}`;
    });
    workspace.write('data/grades.csv', `score,group,grade\n${rows.join('\n')}\n`);
    const output = workspace.nxOk(['g', '@reproml/nx:pipeline', 'grades', '--data', 'data/grades.csv', '--target', 'grade', '--no-interactive']);
    expect(output).toContain("Task: classification ('grade' holds 3 distinct whole numbers)");
    expect(JSON.parse(workspace.read('pipelines/grades/preprocess/stage.json')).casts).toBeUndefined();
    workspace.commitAll('generated grades pipeline');
    const run = ['run-many', '-t', 'run', '--projects', 'tag:pipeline:grades', '--exclude', 'grades-push', '--output-style=stream'];
    expect(taskOutcomes(workspace.nxOk(run)).executed).toEqual(stagesOf('grades').filter((stage) => stage !== 'grades-push:run'));
    expect(JSON.parse(workspace.read('pipelines/grades/preprocess/out/features.json'))).toMatchObject({ classes: ['1', '2', '3'], classKind: 'number' });
    const metrics = JSON.parse(workspace.read('pipelines/grades/evaluate/out/metrics.json'));
    expect(metrics.perClass.map((c: { class: string }) => c.class)).toEqual(['1', '2', '3']);
    expect(metrics.accuracy).toBeGreaterThan(0.8);
    // The runner over the trained model.onnx: its signature says the classes are numbers, and rows are labelled with them.
    const model = await loadModel({ path: workspace.path('pipelines/grades/train/out/model.onnx') });
    expect(model.signature).toMatchObject({ classes: ['1', '2', '3'], classKind: 'number', outputs: ['label', 'probabilities', 'class_id'] });
    const table = {
      rowCount: 3,
      columns: [
        { name: 'score', kind: 'number' as const, values: Float64Array.of(5, 45, 85) },
        { name: 'group', kind: 'string' as const, values: ['a', 'b', 'a'] },
      ],
    };
    const predictions = await predictTable({ model, table, file: 'rows' });
    expect(Array.from(predictions.label, (id) => predictionLabel(model.signature, id))).toEqual([1, 2, 3]);
    await model.release();
  });

  it('penguins body mass: the linear baseline on a standardized target scores sensibly (was r² −26.9 unstandardized)', () => {
    const output = workspace.nxOk(['g', '@reproml/nx:pipeline', 'mass', '--data', 'data/penguins.json', '--target', 'Body Mass (g)', '--no-interactive']);
    expect(output).toContain('model: linear (baseline)');
    workspace.commitAll('generated regression pipeline');
    const run = ['run-many', '-t', 'run', '--projects', 'tag:pipeline:mass', '--output-style=stream'];
    expect(taskOutcomes(workspace.nxOk(run)).executed).toEqual(stagesOf('mass'));
    const metrics = JSON.parse(workspace.read('pipelines/mass/evaluate/out/metrics.json'));
    console.log(`penguin body mass (linear baseline): test r² ${metrics.r2.toFixed(4)}, RMSE ${metrics.rmse.toFixed(1)} g`);
    expect(metrics.r2).toBeGreaterThan(0.7);
    // Predictions come out in grams: the test split's RMSE is a few hundred grams, not thousands.
    expect(metrics.rmse).toBeLessThan(500);
    expect(taskOutcomes(workspace.nxOk(run)).cached).toEqual(stagesOf('mass').filter((stage) => stage !== 'mass-push:run'));
  });
});
