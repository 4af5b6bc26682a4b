/**
 * CPU accounting for bench/serve: how much CPU a server process spends per request (its main
 * thread apart from its other threads: a worker-thread session, libuv's pool, V8's GC helpers),
 * and how much the load generator (this process) spends. Read from Linux /proc; undefined elsewhere.
 */
import { readdir, readFile } from 'node:fs/promises';

export interface ThreadCpu {
  /** CPU seconds of the process's main thread (the event loop). */
  main: number;
  /** CPU seconds of every other thread. */
  other: number;
}

/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

export async function threadCpu(pid: number): Promise<ThreadCpu | undefined> {
  let tids: string[];
  try {
    tids = await readdir(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  const cpu: ThreadCpu = { main: 0, other: 0 };
  for (const tid of tids) {
    const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue; // the thread ended between the listing and the read
    // Fields after "(comm)": state is field 3, utime 14 and stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    if (tid === String(pid)) cpu.main += seconds;
    else cpu.other += seconds;
  }
  return cpu;
}

/** CPU seconds since `before`, per thread group. */
export const cpuSince = (after: ThreadCpu, before: ThreadCpu): ThreadCpu => ({ main: after.main - before.main, other: after.other - before.other });

/** This process's CPU seconds (every thread). */
export const ownCpuSeconds = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
