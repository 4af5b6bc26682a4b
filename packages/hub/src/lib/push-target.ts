import { ConfigError } from '@reproml/core/layout'; // light: the published-state probe reads the target (see published-state.ts)
import { isValidHubRepoName } from './safe-names';

export type PushTarget = { type: 'registry' } | { type: 'hub'; repo: string };

export const REGISTRY_TARGET = 'registry';

/** `registry` (the local model registry) or `hf://<namespace>/<repo>` (a Hugging Face Hub model repo). */
export function parsePushTarget(target: string, location: { file?: string; stage?: string } = {}): PushTarget {
  if (target === REGISTRY_TARGET) return { type: 'registry' };
  const hub = /^hf:\/\/(?:models\/)?(.+)$/.exec(target);
  if (hub && isValidHubRepoName(hub[1]!)) return { type: 'hub', repo: hub[1]! };
  throw new ConfigError(`'${target}' is not a push target`, {
    ...location,
    field: 'target',
    hint: 'Use "registry" (the local model registry) or "hf://<namespace>/<repo>" (letters, digits, "-", "_", "."; no "..").',
  });
}
