import { isReproError } from '@reproml/core';

/**
 * The generator Nx runs: Nx prints only an error's message, so a ReproError's file, field and
 * hint (what to do next) would be lost; they go into the message here.
 */
export function describeErrors<Args extends unknown[], Result>(generator: (...args: Args) => Promise<Result>): (...args: Args) => Promise<Result> {
  return async (...args) => {
    try {
      return await generator(...args);
    } catch (error) {
      if (!isReproError(error)) throw error;
      throw Object.assign(new Error(error.describe(), { cause: error }), { name: error.name });
    }
  };
}
