const { performance } = require('node:perf_hooks');
const t0 = performance.now();
require('./../plugins/nx/dist/src/plugin/post-tasks-execution.js');
const t1 = performance.now();
const tracking = require('./../packages/tracking/dist/src/index.js');
const t2 = performance.now();
const core = require('./../packages/core/dist/src/index.js');
core.readGitState(process.cwd());
const t3 = performance.now();
(async () => {
  const location = tracking.trackingLocation({
    workspaceRoot: process.cwd(),
    env: { ...process.env, REPROML_TRACKING_DIR: require('node:os').tmpdir() + '/hook-cost-store' },
  });
  const store = await tracking.RunStore.open({ location });
  await store.close();
  const t4 = performance.now();
  console.log(
    JSON.stringify({ hookModules: Math.round(t1 - t0), trackingIndex: Math.round(t2 - t1), gitStatus: Math.round(t3 - t2), openStore: Math.round(t4 - t3) }),
  );
})();
