// The hasher of the `stage-with-state` executor Nx runs (executors.json): the compiled hasher,
// recompiled first when a workspace package's sources changed (see tools/compile-packages.cjs).
const { ensureCompiled, workspaceOf } = require('../../tools/compile-packages.cjs');

ensureCompiled(workspaceOf(__dirname));
module.exports = require('./dist/src/executors/stage/state-hasher.js').default;
