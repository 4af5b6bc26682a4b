import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { TempWorkspace, taskOutcomes } from '../test/support/temp-workspace';

const ws = TempWorkspace.create({ label: 'measure-post', pipelines: ['penguins'] });
try {
  const run = ['run-many', '-t', 'run', '-p', 'tag:pipeline:penguins', '--output-style=stream'];
  ws.nxOk(run);
  ws.nxOk(run);
  for (const daemon of ['false', 'true']) {
    if (daemon === 'true') ws.nxOk(['show', 'projects'], { NX_DAEMON: 'true' });
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      const out = ws.nxOk(run, { NX_PERF_LOGGING: 'true', NX_DAEMON: daemon });
      const wall = ((performance.now() - start) / 1000).toFixed(2);
      const outcome = taskOutcomes(out);
      const perf = out
        .split('\n')
        .filter((line) => /Time for '.*(reproml|TasksExecution|hashMultipleTasks|hashSingleTask|total|command-execution)/i.test(line));
      console.log(`daemon ${daemon} round ${i}: wall ${wall} s, load ${loadavg()[0].toFixed(1)}, executed [${outcome.executed}]`);
      console.log(`  ${perf.join('\n  ')}`);
    }
    if (daemon === 'true') ws.nx(['daemon', '--stop'], { NX_DAEMON: 'true' });
  }
} finally {
  ws.remove();
}
