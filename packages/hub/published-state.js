// The push kind's state module (its `stateInput`): Nx's hasher of push stages (the plugin's
// state-hasher, which has checked the compiled packages first) calls `stateText` on every
// command to learn whether the registry already holds the push's artifacts
// (src/lib/published-state.ts). Light: no zod, no registry class.
const { publishedState } = require('./dist/src/lib/published-state.js');

exports.stateText = publishedState;
