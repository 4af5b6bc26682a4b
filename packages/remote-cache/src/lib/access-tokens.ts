import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '@reproml/core';
import { z } from 'zod';

export const TOKEN_SCOPES = ['read-write', 'read-only'] as const;

export const accessTokenSchema = z
  .object({
    name: z.string().min(1).meta({ description: 'Who holds the token; this name (never the token) goes to the access log.' }),
    token: z
      .string()
      .min(16, 'a token should have at least 16 characters (e.g. `openssl rand -hex 32`)')
      .regex(/^[\x21-\x7e]+$/, 'a token should be printable ASCII without spaces'),
    scope: z.enum(TOKEN_SCOPES).meta({ description: 'read-only tokens can GET records; read-write tokens can also PUT.' }),
  })
  .strict();

export type AccessToken = z.infer<typeof accessTokenSchema>;
export type TokenScope = AccessToken['scope'];

/** The token file of the CLI: `{ "tokens": [{ "name", "token", "scope" }] }`. */
export const tokenFileSchema = z.object({ tokens: z.array(accessTokenSchema).min(1) }).strict();

export type Authorization =
  | { status: 'granted'; name: string; scope: TokenScope }
  /** No `Authorization: Bearer …` header, or a token nobody was given. */
  | { status: 'unauthorized'; reason: 'missing' | 'unknown' };

/**
 * Checks bearer tokens. Tokens are compared as sha256 digests with timingSafeEqual, so the
 * time taken says nothing about how much of a guess was right.
 */
export class AccessTokens {
  private readonly digests: Array<{ digest: Buffer; name: string; scope: TokenScope }>;

  constructor(tokens: readonly AccessToken[]) {
    const parsed = z.array(accessTokenSchema).min(1).safeParse(tokens);
    if (!parsed.success) {
      throw new ConfigError(`Invalid cache access tokens: ${parsed.error.issues.map(describeIssue).join('; ')}`, {
        hint: 'Give at least one token as { name, token, scope: "read-write" | "read-only" }.',
      });
    }
    const seen = new Set<string>();
    for (const { token, name } of parsed.data) {
      if (seen.has(token)) throw new ConfigError(`Token of '${name}' is given twice`, { hint: 'Every holder needs a distinct token.' });
      seen.add(token);
    }
    this.digests = parsed.data.map(({ token, name, scope }) => ({ digest: digestOf(token), name, scope }));
  }

  authorize(authorizationHeader: string | undefined): Authorization {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorizationHeader ?? '');
    if (!match) return { status: 'unauthorized', reason: 'missing' };
    const digest = digestOf(match[1]!);
    let granted: { name: string; scope: TokenScope } | undefined;
    // Compare against every token (no early exit) so timing does not reveal which one matched.
    for (const candidate of this.digests) {
      if (timingSafeEqual(candidate.digest, digest) && !granted) granted = { name: candidate.name, scope: candidate.scope };
    }
    return granted ? { status: 'granted', ...granted } : { status: 'unauthorized', reason: 'unknown' };
  }
}

export function canWrite(scope: TokenScope): boolean {
  return scope === 'read-write';
}

function digestOf(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function describeIssue(issue: z.core.$ZodIssue): string {
  return issue.path.length ? `tokens.${issue.path.join('.')}: ${issue.message}` : issue.message;
}
