import type { HubApiError } from '@huggingface/hub';

type HubClient = typeof import('@huggingface/hub');

let loaded: HubClient | undefined;

/**
 * The @huggingface/hub client, loaded on first use: a registry object is opened for every push,
 * and a push to a folder registry (or one that finds its artifacts published already) never
 * talks to the Hub, so it should not pay for loading the client.
 */
export async function hubClient(): Promise<HubClient> {
  loaded ??= await import('@huggingface/hub');
  return loaded;
}

/** An error the Hub client raised (false when the client never loaded: then it raised nothing). */
export function isHubApiError(error: unknown): error is HubApiError {
  return loaded !== undefined && error instanceof loaded.HubApiError;
}
