import { ConfigError } from '@reproml/core';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * A token is a password: it goes over https only, or plain http to this machine (a test
 * server, a local proxy). Checked before any request, so a mistyped HF_ENDPOINT can never
 * leak HF_TOKEN to the network.
 */
export function assertTokenTransport(hubUrl: string, token: string | undefined): void {
  if (!token) return;
  let url: URL;
  try {
    url = new URL(hubUrl);
  } catch {
    throw new ConfigError(`HF_ENDPOINT '${hubUrl}' is not a URL`, {
      field: 'HF_ENDPOINT',
      hint: 'Use https://huggingface.co or your Hub mirror, e.g. https://hub.example.com.',
    });
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname))) return;
  throw new ConfigError(`Refusing to send HF_TOKEN to ${url.origin}: plain http to another machine would expose it`, {
    field: 'HF_ENDPOINT',
    hint: 'Use an https:// endpoint (plain http is allowed to 127.0.0.1/localhost only).',
  });
}

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
