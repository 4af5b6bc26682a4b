import { homedir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_HUB_URL = 'https://huggingface.co';

/** Settings of network sources and the store, read from the environment once per run. */
export interface SourceEnvironment {
  /** `HF_ENDPOINT`, default https://huggingface.co (no trailing slash). */
  hubUrl: string;
  /** `HF_TOKEN`, if set. */
  hubToken?: string;
  /** `REPROML_STORE_DIR`, default `$XDG_CACHE_HOME/reproml/store` or `~/.cache/reproml/store`. */
  storeDir: string;
  /** `REPROML_ALLOW_HTTP_LOCALHOST=1`: accept http://127.0.0.1 and http://localhost URLs (tests only). */
  allowHttpLocalhost: boolean;
  /** `REPROML_HTTP_RETRIES`, default 4: extra attempts after a 5xx, 429, timeout or broken download. */
  retries: number;
  /** `REPROML_HTTP_RETRY_BASE_MS`, default 500: first backoff delay, doubled on each retry. */
  retryBaseMs: number;
  /** `REPROML_HTTP_TIMEOUT_MS`, default 30000: longest wait for a response or for the next bytes of a body. */
  timeoutMs: number;
}

export function sourceEnvironmentFromEnv(env: NodeJS.ProcessEnv = process.env): SourceEnvironment {
  const cacheHome = env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return {
    hubUrl: (env['HF_ENDPOINT'] || DEFAULT_HUB_URL).replace(/\/+$/, ''),
    hubToken: env['HF_TOKEN'] || undefined,
    storeDir: env['REPROML_STORE_DIR'] || join(cacheHome, 'reproml', 'store'),
    allowHttpLocalhost: env['REPROML_ALLOW_HTTP_LOCALHOST'] === '1',
    retries: integerSetting(env['REPROML_HTTP_RETRIES'], 4),
    retryBaseMs: integerSetting(env['REPROML_HTTP_RETRY_BASE_MS'], 500),
    timeoutMs: integerSetting(env['REPROML_HTTP_TIMEOUT_MS'], 30_000),
  };
}

function integerSetting(value: string | undefined, fallback: number): number {
  const parsed = value === undefined || value === '' ? NaN : Number(value);
  return Number.isInteger(parsed) && parsed >= 0 ? parsed : fallback;
}
