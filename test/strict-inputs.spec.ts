import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEASUREMENTS_CSV, writeDemoPipeline } from './support/demo-pipeline';
import { failedTasks, TempWorkspace, taskOutcomes } from './support/temp-workspace';

/** A script stage whose body reads `config/threshold.txt` (undeclared) one way or another and writes what it got. */
function bypassScript(imports: string, read: string): string {
  return `${imports}
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export default async function bypass(stage: any): Promise<void> {
  const file = join(process.cwd(), 'config/threshold.txt');
  const threshold: string = ${read};
  writeFileSync(join(stage.outDir, 'threshold.json'), JSON.stringify({ threshold: String(threshold).trim() }) + '\\n');
}
`;
}

/**
 * Each way around the guard the adversarial review found (issue 13), as a script stage of
 * pipeline `bypass`, with the refusal each must end in. On main before the fix every one of
 * them succeeded, and after config/threshold.txt changed Nx restored the stale output.
 */
const BYPASSES: Record<string, { files: Record<string, string>; refusal: string }> = {
  // The plain case the guard always caught.
  'read-file': {
    files: { 'bypass.ts': bypassScript(`import { readFileSync } from 'node:fs';`, `readFileSync(file, 'utf8')`) },
    refusal: "Stage read 'config/threshold.txt', which is not among its declared inputs",
  },
  symlink: {
    files: {
      'bypass.ts': bypassScript(
        `import { readFileSync } from 'node:fs';`,
        `readFileSync(join(process.cwd(), 'pipelines/bypass/symlink/threshold.txt'), 'utf8')`,
      ),
    },
    refusal: "Stage read 'config/threshold.txt' (through the symlink 'pipelines/bypass/symlink/threshold.txt'), which is not among its declared inputs",
  },
  'open-r-plus': {
    files: {
      'bypass.ts': bypassScript(
        `import { openSync, readSync, closeSync } from 'node:fs';`,
        `(() => { const fd = openSync(file, 'r+'); const buffer = Buffer.alloc(64); const n = readSync(fd, buffer); closeSync(fd); return buffer.subarray(0, n).toString(); })()`,
      ),
    },
    refusal: "Stage read 'config/threshold.txt', which is not among its declared inputs",
  },
  'open-rdwr': {
    files: {
      'bypass.ts': bypassScript(
        `import { openSync, readSync, closeSync, constants } from 'node:fs';`,
        `(() => { const fd = openSync(file, constants.O_RDWR); const buffer = Buffer.alloc(64); const n = readSync(fd, buffer); closeSync(fd); return buffer.subarray(0, n).toString(); })()`,
      ),
    },
    refusal: "Stage read 'config/threshold.txt', which is not among its declared inputs",
  },
  callback: {
    files: {
      'bypass.ts': bypassScript(
        `import { readFile } from 'node:fs';`,
        `await new Promise<string>((resolve, reject) => readFile(file, 'utf8', (error, text) => (error ? reject(error) : resolve(text))))`,
      ),
    },
    refusal: "Stage read 'config/threshold.txt', which is not among its declared inputs",
  },
  promises: {
    files: { 'bypass.ts': bypassScript(`import { readFile } from 'node:fs/promises';`, `await readFile(file, 'utf8')`) },
    refusal: "Stage read 'config/threshold.txt', which is not among its declared inputs",
  },
  stream: {
    files: {
      'bypass.ts': bypassScript(
        `import { createReadStream } from 'node:fs';`,
        `await new Promise<string>((resolve, reject) => { let text = ''; createReadStream(file, 'utf8').on('data', (chunk) => (text += chunk)).on('end', () => resolve(text)).on('error', reject); })`,
      ),
    },
    refusal: "Stage read 'config/threshold.txt', which is not among its declared inputs",
  },
  blob: {
    files: { 'bypass.ts': bypassScript(`import { openAsBlob } from 'node:fs';`, `await (await openAsBlob(file)).text()`) },
    refusal: "Stage read 'config/threshold.txt', which is not among its declared inputs",
  },
  'file-handle': {
    files: { 'bypass.ts': bypassScript(`import { open } from 'node:fs/promises';`, `await (await open(file, 'a+')).readFile('utf8')`) },
    refusal: "Stage read 'config/threshold.txt', which is not among its declared inputs",
  },
  // Node's cp walks the folder with fs functions of its own (taken when cp first loads, under the
  // guard here, but not if anything used cp before the stage): every entry is checked up front.
  'recursive-copy': {
    files: {
      'bypass.ts': bypassScript(
        `import { cp, readFile } from 'node:fs/promises';`,
        `await cp(join(process.cwd(), 'pipelines/bypass/recursive-copy/data'), join(stage.outDir, 'data'), { recursive: true, dereference: true }).then(() => readFile(join(stage.outDir, 'data/threshold.txt'), 'utf8'))`,
      ),
      'data/rows.csv': 'a\n1\n',
    },
    refusal:
      "Stage read 'config/threshold.txt' (through the symlink 'pipelines/bypass/recursive-copy/data/threshold.txt'), which is not among its declared inputs",
  },
  // A link in out/ to an undeclared file makes its content an output (hashed and cached through the link).
  'link-out': {
    files: {
      'bypass.ts': `import { symlinkSync } from 'node:fs';
import { join } from 'node:path';

export default async function bypass(stage: any): Promise<void> {
  symlinkSync(join(process.cwd(), 'config/threshold.txt'), join(stage.outDir, 'threshold.txt'));
}
`,
    },
    refusal: "Stage read 'config/threshold.txt', which is not among its declared inputs",
  },
  // A script stage hashes only @reproml/core's code; @reproml/data is already loaded in the executor.
  'unhashed-package': {
    files: { 'bypass.ts': bypassScript(`import { MAX_FIELD_LENGTH } from '../../../packages/data/src/index';`, `String(MAX_FIELD_LENGTH)`) },
    refusal: "Stage read 'packages/data/src/index.ts', which is not among its declared inputs",
  },
  // Writes another stage's input and the workspace root, swallows the errors, then fails anyway.
  'write-elsewhere': {
    files: {
      'bypass.ts': `import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default async function bypass(stage: any): Promise<void> {
  writeFileSync(join(tmpdir(), 'reproml-scratch-' + process.pid), 'scratch is fine outside the workspace');
  for (const target of ['pipelines/demo/raw/measurements.csv', 'stray.txt']) {
    try {
      writeFileSync(join(process.cwd(), target), 'id,value\\n1,999\\n');
    } catch {
      // a careless stage
    }
  }
  throw new Error('boom');
}
`,
    },
    refusal: "Stage wrote to 'pipelines/demo/raw/measurements.csv', outside its output folder",
  },
};
const BYPASS_TASKS = Object.keys(BYPASSES)
  .map((name) => `bypass-${name}:run`)
  .sort();

describe('strict inputs (real nx CLI)', () => {
  let workspace: TempWorkspace;

  beforeAll(() => {
    workspace = TempWorkspace.create({ label: 'strict' });
    writeDemoPipeline(workspace);
    workspace.write('config/threshold.txt', '0.5\n');
    for (const [name, bypass] of Object.entries(BYPASSES)) {
      workspace.write(`pipelines/bypass/${name}/stage.json`, { kind: 'script', script: 'bypass.ts' });
      for (const [file, content] of Object.entries(bypass.files)) workspace.write(`pipelines/bypass/${name}/${file}`, content);
    }
    workspace.symlink('pipelines/bypass/symlink/threshold.txt', '../../../config/threshold.txt');
    workspace.symlink('pipelines/bypass/recursive-copy/data/threshold.txt', '../../../../config/threshold.txt');
    workspace.commitAll('demo pipeline with undeclared reads and writes');
  });
  afterAll(() => workspace?.remove());

  it('refuses every known way around the guard, and a changed file never gives a stale cache hit', () => {
    const first = workspace.nx(['run-many', '-t', 'run', '-p', 'tag:pipeline:bypass', '--output-style=stream']);
    expect(failedTasks(first.output), first.output).toEqual(BYPASS_TASKS);
    for (const [name, bypass] of Object.entries(BYPASSES)) {
      expect(first.output, name).toContain(bypass.refusal);
      expect(workspace.exists(`pipelines/bypass/${name}/out`), name).toBe(false);
    }
    expect(first.output).toContain('To allow it anyway, set "strict": false in pipelines/bypass/read-file/stage.json');
    // Nothing was written where the stage had no business writing, although it caught the refusals.
    expect(workspace.read('pipelines/demo/raw/measurements.csv')).toBe(MEASUREMENTS_CSV);
    expect(workspace.exists('stray.txt')).toBe(false);
    expect(workspace.git('status', '--porcelain', '--', '.', ':!.nx-test-cache')).toBe('');

    // What the stages tried to read changes; nothing may come back from the cache.
    workspace.write('config/threshold.txt', '0.9\n');
    workspace.write('packages/data/src/index.ts', `${workspace.read('packages/data/src/index.ts')}// edited\n`);
    const second = workspace.nx(['run-many', '-t', 'run', '-p', 'tag:pipeline:bypass', '--output-style=stream']);
    expect(taskOutcomes(second.output).cached, second.output).toEqual([]);
    expect(failedTasks(second.output), second.output).toEqual(BYPASS_TASKS);
  });

  it('lets the stage opt out with "strict": false', () => {
    workspace.write('pipelines/bypass/read-file/stage.json', { kind: 'script', script: 'bypass.ts', strict: false });
    workspace.nxOk(['run', 'bypass-read-file:run', '--output-style=stream']);
    expect(JSON.parse(workspace.read('pipelines/bypass/read-file/out/threshold.json'))).toEqual({ threshold: '0.9' });
  });
});
