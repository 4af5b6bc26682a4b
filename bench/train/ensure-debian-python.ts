import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

/** Makes sure Debian's python3 can import `module`, installing `aptPackage` with apt-get if not (benchmarks only). */
export function ensurePythonModule(module: string, aptPackage: string): void {
  if (spawnSync(PYTHON, ['-c', `import ${module}`]).status === 0) return;
  console.log(`installing ${aptPackage} (apt-get) for the baseline...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=900', 'install', '-y', '-qq', aptPackage], { stdio: 'inherit', env });
  if (install.status !== 0 || spawnSync(PYTHON, ['-c', `import ${module}`]).status !== 0) {
    throw new Error(`could not install ${aptPackage}; install it by hand (apt-get install -y ${aptPackage}) and rerun`);
  }
}

/** Runs a Python script with arguments; returns its stdout parsed as JSON (the script prints one JSON line last). */
export function runPythonJson<T>(script: string, args: string[], env: Record<string, string> = {}): T {
  const run = spawnSync(PYTHON, [script, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`${script} failed:\n${run.stderr}`);
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}
