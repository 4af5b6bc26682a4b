// The plugin entry Nx loads: the compiled plugin (dist/, see tools/compile-packages.cjs), recompiled
// first when a workspace package's sources changed, so Nx registers no TypeScript transpiler.
const { ensureCompiled, workspaceOf } = require('../../tools/compile-packages.cjs');

ensureCompiled(workspaceOf(__dirname));
module.exports = require('./dist/index.js');
