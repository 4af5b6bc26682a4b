import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { IntegrityError, sha256OfBytes, stableStringify, syncDirectory } from '@reproml/core';
import { z } from 'zod';
import { approvalSchema, pushLocationSchema } from './model-version';

const gateResultSchema = z.object({ metric: z.string(), condition: z.string(), value: z.number().nullable(), passed: z.boolean() });

const eventBase = {
  seq: z.number().int().positive(),
  at: z.string(),
  /** Hash of the previous valid event (null for the first): the log is a hash chain, so an edited line shows. */
  prev: z.string().nullable(),
  model: z.string(),
};

export const auditEventSchema = z.discriminatedUnion('type', [
  z.object({
    ...eventBase,
    type: z.literal('register'),
    version: z.number().int(),
    fingerprint: z.string(),
    artifactSha256: z.string(),
    /** sha256 of the version's version.json as written: an edited record (metrics, gates, provenance) shows. Absent in older logs. */
    recordSha256: z.string().optional(),
    location: pushLocationSchema,
  }),
  z.object({ ...eventBase, type: z.literal('locate'), version: z.number().int(), location: pushLocationSchema }),
  z.object({
    ...eventBase,
    type: z.literal('promote'),
    version: z.number().int(),
    alias: z.string(),
    previous: z.number().int().nullable(),
    approval: approvalSchema,
    gates: z.array(gateResultSchema),
    gateSource: z.string(),
  }),
  z.object({
    ...eventBase,
    type: z.literal('rollback'),
    version: z.number().int(),
    alias: z.string(),
    previous: z.number().int().nullable(),
    approval: approvalSchema,
  }),
  z.object({
    ...eventBase,
    type: z.literal('promotion-rejected'),
    version: z.number().int(),
    alias: z.string(),
    reasons: z.array(z.string()),
    requestedBy: z.string().nullable(),
    gates: z.array(gateResultSchema),
  }),
]);
export type AuditEvent = z.infer<typeof auditEventSchema> & { hash: string };
/** An event before the log numbers, dates and chains it. */
export type NewAuditEvent = DistributiveOmit<z.infer<typeof auditEventSchema>, 'seq' | 'prev' | 'at'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface AuditLogReadout {
  events: AuditEvent[];
  /** Lines that are not a complete event: a write cut off by a crash. Skipped, never rewritten. */
  tornLines: number[];
  /** Whether the file ends without a newline (the last write was cut off). */
  tornTail: boolean;
}

/** One line of the log: keys sorted, no spaces, so the hash of an event is the hash of its line. */
function compactLine(value: unknown): string {
  return JSON.stringify(JSON.parse(stableStringify(value)));
}

export function hashEvent(event: Record<string, unknown>): string {
  const { hash: _hash, ...rest } = event;
  return sha256OfBytes(compactLine(rest));
}

/**
 * Parses the text of an audit log and verifies its hash chain: pure, so every registry
 * backend (a folder, a Hub repo) checks its log the same way. A line that is not JSON is a
 * write cut off by a crash: skipped, and harmless, because the chain shows whether an event
 * is missing around it. Anything else that breaks the chain is an IntegrityError.
 */
export function parseAuditLog(text: string, source: string): AuditLogReadout {
  const lines = text.split('\n');
  const tornTail = lines[lines.length - 1] !== '';
  const events: AuditEvent[] = [];
  const tornLines: number[] = [];
  let prev: string | null = null;
  lines.forEach((line, index) => {
    if (line === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      tornLines.push(index + 1);
      return;
    }
    const parsed = auditEventSchema.safeParse(raw);
    const hash = (raw as { hash?: unknown } | null)?.hash;
    if (!parsed.success || typeof hash !== 'string') {
      throw new IntegrityError(`Audit log ${source} line ${index + 1} is not a registry event`, {
        file: source,
        hint: 'The audit log is append-only: restore it from a backup; do not edit it by hand.',
      });
    }
    if (hash !== hashEvent(raw as Record<string, unknown>) || parsed.data.prev !== prev || parsed.data.seq !== events.length + 1) {
      throw new IntegrityError(`Audit log ${source} was modified at line ${index + 1} (event ${parsed.data.seq}): its hash chain is broken`, {
        file: source,
        hint: 'Someone edited, removed or reordered events. Restore the log from a backup and investigate; the registry refuses to act on it.',
      });
    }
    events.push({ ...parsed.data, hash });
    prev = hash;
  });
  return { events, tornLines, tornTail };
}

/**
 * The registry's append-only audit log (JSON Lines). Lines are only ever appended, each in
 * one write followed by fsync; a line cut off by a crash is skipped on read (and the next
 * append starts on a new line), so no byte of the log is ever rewritten. An edited or
 * reordered line breaks the hash chain and is reported as tampering; removed events at the
 * end are caught by the checkpoint (audit-checkpoint.ts).
 */
export class AuditLog {
  constructor(readonly path: string) {}

  read(): AuditLogReadout {
    if (!existsSync(this.path)) return { events: [], tornLines: [], tornTail: false };
    return parseAuditLog(readFileSync(this.path, 'utf8'), this.path);
  }

  /** Appends one event (numbered, dated and chained here) and returns it once it is on disk. */
  append(event: NewAuditEvent, now: Date): AuditEvent {
    const { line, event: chained } = chainEvent(this.read().events, event, now);
    const created = !existsSync(this.path);
    const fd = openSync(this.path, 'a+');
    try {
      // After a torn write the file does not end with a newline: start a fresh line instead of editing the old one.
      const separator = endsWithoutNewline(fd) ? '\n' : '';
      writeSync(fd, `${separator}${line}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (created) syncDirectory(dirname(this.path));
    return chained;
  }
}

/** The next event of a log: numbered, dated and chained to the last one, with its line (no trailing newline). */
export function chainEvent(events: readonly AuditEvent[], event: NewAuditEvent, now: Date): { event: AuditEvent; line: string } {
  const last = events[events.length - 1];
  const body = { ...event, seq: events.length + 1, at: now.toISOString(), prev: last?.hash ?? null };
  const hash = hashEvent(body);
  const line = compactLine({ ...body, hash });
  return { line, event: { ...auditEventSchema.parse(JSON.parse(line)), hash } as AuditEvent };
}

function endsWithoutNewline(fd: number): boolean {
  const size = fstatSync(fd).size;
  if (size === 0) return false;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] !== 0x0a;
}
