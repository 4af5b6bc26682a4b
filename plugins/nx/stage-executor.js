// The `stage` executor Nx runs (executors.json): the compiled executor, recompiled first when a
// workspace package's sources changed (see tools/compile-packages.cjs).
const { ensureCompiled, workspaceOf } = require('../../tools/compile-packages.cjs');

ensureCompiled(workspaceOf(__dirname));
module.exports = require('./dist/src/executors/stage/stage.impl.js');
