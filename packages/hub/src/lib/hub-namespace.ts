import { ConfigError } from '@reproml/core/layout'; // light: registry-setting.ts (and the published-state probe) read it

/** `hf://<namespace>` → the namespace (a user or an organisation), or undefined when `value` is not a Hub registry. */
export function parseHubRegistry(value: string): string | undefined {
  const match = /^hf:\/\/([^/]+)\/?$/.exec(value);
  if (!match) {
    if (value.startsWith('hf://')) {
      throw new ConfigError(`REPROML_REGISTRY '${value}' is not a Hub namespace`, {
        field: 'REPROML_REGISTRY',
        hint: 'Use hf://<namespace> (a user or an organisation); each model becomes the repo <namespace>/<model>.',
      });
    }
    return undefined;
  }
  const namespace = match[1]!;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/.test(namespace) || namespace.includes('--') || namespace.includes('..')) {
    throw new ConfigError(`'${namespace}' is not a Hub namespace`, {
      field: 'REPROML_REGISTRY',
      hint: 'A namespace uses letters, digits, "-", "_" and "." (no "--" or "..").',
    });
  }
  return namespace;
}
