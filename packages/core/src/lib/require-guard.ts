import Module from 'node:module';
import { isAbsolute } from 'node:path';

type Require = (this: Module, id: string) => unknown;
interface ModuleInternals {
  prototype: { require: Require };
  _resolveFilename(request: string, parent: Module, isMain: boolean): string;
}

/**
 * Runs `body` with every CommonJS `require` checked by `check` against the file it resolves
 * to, also when that module is already loaded (no file is read then, but the stage still
 * runs its code): a stage that requires a workspace package its hash does not include
 * depends on code Nx does not hash. Builtins and unresolvable requests pass through.
 */
export async function withRequireGuard<T>(check: (filename: string) => Error | undefined, body: () => Promise<T>): Promise<T> {
  const internals = Module as unknown as ModuleInternals;
  const original = internals.prototype.require;
  const state = { active: true };
  // Modules require the same ids over and over; resolving and checking each once keeps the guard cheap.
  const verdicts = new Map<string, Error | undefined>();
  internals.prototype.require = function guardedRequire(this: Module, id: string) {
    if (state.active) {
      const key = `${this.filename}\0${id}`;
      if (!verdicts.has(key)) verdicts.set(key, checkResolved(internals, this, id, check));
      const error = verdicts.get(key);
      if (error) throw error;
    }
    return original.call(this, id);
  };
  try {
    return await body();
  } finally {
    state.active = false;
    internals.prototype.require = original;
  }
}

function checkResolved(internals: ModuleInternals, parent: Module, id: string, check: (filename: string) => Error | undefined): Error | undefined {
  let filename: string;
  try {
    filename = internals._resolveFilename(id, parent, false);
  } catch {
    return undefined; // the require itself reports a missing module
  }
  return isAbsolute(filename) ? check(filename) : undefined;
}
