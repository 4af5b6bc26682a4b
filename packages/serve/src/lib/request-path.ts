/** A path with nothing to normalise: plain segments, no dot segments, escapes or backslashes. */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+$/;

/** The request's path as URL parsing gives it; the common plain path (`/predict`) without building a URL. */
export function requestPath(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.search(/[?#]/);
  const path = query < 0 ? raw : raw.slice(0, query);
  if (PLAIN_PATH.test(path)) return path;
  try {
    return new URL(raw, 'http://localhost').pathname;
  } catch {
    return '/';
  }
}
