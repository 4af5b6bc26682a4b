/** One line of the access log. Tokens never appear: only the name of the token's holder. */
export interface AccessLogEntry {
  time: string;
  method: string;
  /** Path without the query string. */
  path: string;
  status: number;
  /** What the request did: hit, miss, corrupt, stored, exists, unauthorized, forbidden, too-large, bad-request, … */
  outcome: string;
  hash?: string;
  /** Holder of the token used (from the token list), if a known token was sent. */
  client?: string;
  remoteAddress?: string;
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
  /** Records evicted to make room after a PUT, and why a record was quarantined. */
  evicted?: string[];
  detail?: string;
}

export type AccessLogger = (entry: AccessLogEntry) => void;

/** JSON Lines on a writable stream (stdout by default): one object per request, easy to ship to any log store. */
export function jsonLinesLogger(stream: NodeJS.WritableStream = process.stdout): AccessLogger {
  return (entry) => {
    stream.write(`${JSON.stringify(entry)}\n`);
  };
}
