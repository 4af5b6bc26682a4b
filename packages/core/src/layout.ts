/**
 * The light part of @reproml/core (no zod, no other module): the stage layout convention and
 * the typed errors. For code that runs on every command and must start fast, such as the push
 * stage's published-state probe Nx runs when it hashes the push (see @reproml/hub).
 */
export * from './lib/errors';
export * from './lib/stage-layout';
