import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from './process-alive';

describe('isProcessAlive', () => {
  it('is true for this process and a running child, false once the child is gone', async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    const child = spawn('sleep', ['30']);
    expect(isProcessAlive(child.pid!)).toBe(true);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(isProcessAlive(child.pid!)).toBe(false);
  });

  it.runIf(process.platform === 'linux')('treats a zombie (killed, never reaped, as under a PID 1 that does not reap) as gone', async () => {
    // sh starts a short child, prints its pid, then becomes `sleep`, which never reaps it. The child
    // outlives the exec by a second (had it ended first, sh could have reaped it), and the wait for it
    // to end allows ten (a loaded machine).
    const parent = spawn('sh', ['-c', 'sleep 1 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const [line] = (await once(parent.stdout!, 'data')) as [Buffer];
      const zombie = Number(line.toString().trim());
      let gone = false;
      for (let i = 0; i < 500 && !gone; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        gone = !isProcessAlive(zombie);
      }
      expect(() => process.kill(zombie, 0)).not.toThrow(); // still in the process table
      expect(gone).toBe(true);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('is false for pids that cannot be processes', () => {
    expect(isProcessAlive(0)).toBe(false);
    expect(isProcessAlive(-1)).toBe(false);
    expect(isProcessAlive(Number.NaN)).toBe(false);
  });
});
