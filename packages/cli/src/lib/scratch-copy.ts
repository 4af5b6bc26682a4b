import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A copy of the workspace's working tree (tracked files and untracked files git does not
 * ignore, so outputs and caches stay behind) with node_modules linked, not copied.
 */
export function createScratchCopy(workspaceRoot: string): string {
  const scratch = mkdtempSync(join(tmpdir(), 'reproml-verify-'));
  const listing = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: workspaceRoot,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const files = listing.split('\0').filter(Boolean);
  const packageDirs = new Set<string>(['.']);
  for (const file of files) {
    const source = join(workspaceRoot, file);
    if (!existsSync(source)) continue; // deleted in the working tree
    mkdirSync(join(scratch, dirname(file)), { recursive: true });
    cpSync(source, join(scratch, file), { verbatimSymlinks: true });
    if (file.endsWith('package.json')) packageDirs.add(dirname(file));
  }
  for (const dir of packageDirs) {
    const modules = join(workspaceRoot, dir, 'node_modules');
    if (existsSync(modules) && !existsSync(join(scratch, dir, 'node_modules'))) symlinkSync(modules, join(scratch, dir, 'node_modules'), 'dir');
  }
  execFileSync('git', ['init', '-q'], { cwd: scratch });
  return scratch;
}
