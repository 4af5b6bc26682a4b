import { existsSync, readFileSync } from 'node:fs';
import { IntegrityError, stableStringify, writeFileAtomic } from '@reproml/core';
import { z } from 'zod';
import type { AuditEvent, AuditLogReadout } from './audit-log';

/**
 * What the registry knew after its last committed change, kept outside the log: the
 * number of events and the hash of the last one. The hash chain shows an edited event;
 * only something outside the log can show that whole events were removed from its end.
 * `pending` names the version folder a register is about to write before its event is
 * appended, so a crash in between leaves a folder the registry knows is not committed.
 */
export const auditCheckpointSchema = z
  .object({
    schemaVersion: z.literal(1),
    events: z.number().int().nonnegative(),
    lastHash: z.string().nullable(),
    pending: z.object({ model: z.string(), version: z.number().int().positive() }).nullable(),
  })
  .strict();
export type AuditCheckpoint = z.infer<typeof auditCheckpointSchema>;

export function checkpointOf(events: readonly AuditEvent[], pending: AuditCheckpoint['pending'] = null): AuditCheckpoint {
  return { schemaVersion: 1, events: events.length, lastHash: events[events.length - 1]?.hash ?? null, pending };
}

/** How a log relates to its checkpoint. `ahead` by one is the window between an append and the checkpoint write. */
export type CheckpointComparison = { status: 'in-step' } | { status: 'ahead'; by: number } | { status: 'broken'; problem: string };

/**
 * Compares a parsed log with a checkpoint (pure; any registry backend can use it). The log
 * must contain the checkpoint's last event at the checkpoint's position: fewer events means
 * events were removed, another hash means the log was replaced.
 */
export function compareWithCheckpoint(readout: AuditLogReadout, checkpoint: Pick<AuditCheckpoint, 'events' | 'lastHash'>): CheckpointComparison {
  const { events } = readout;
  const expected = checkpoint.events;
  if (events.length < expected) {
    const removed = expected - events.length;
    const cut = readout.tornTail && removed === 1;
    return {
      status: 'broken',
      problem: cut
        ? `event ${expected}, committed after the checkpoint was written, is cut off at the end of the log (the log was truncated after the write completed)`
        : events.length === 0
          ? `the log holds no events, but the checkpoint records ${expected}: the log was emptied or deleted`
          : `the log holds ${events.length} event(s), but the checkpoint records ${expected}: event(s) ${events.length + 1}–${expected} were removed from its end`,
    };
  }
  const atCheckpoint = expected === 0 ? null : events[expected - 1]!.hash;
  if (atCheckpoint !== checkpoint.lastHash) {
    return {
      status: 'broken',
      problem: `event ${expected} of the log has hash ${String(atCheckpoint).slice(0, 16)}…, but the checkpoint records ${String(checkpoint.lastHash).slice(0, 16)}…: the log was replaced by another one`,
    };
  }
  return events.length === expected ? { status: 'in-step' } : { status: 'ahead', by: events.length - expected };
}

/** The checkpoint file (JSON, sorted keys), replaced atomically and durably after every append. */
export class AuditCheckpointFile {
  constructor(readonly path: string) {}

  /** The checkpoint, or undefined when there is none (a new registry, or one written before checkpoints). */
  read(): AuditCheckpoint | undefined {
    if (!existsSync(this.path)) return undefined;
    const text = readFileSync(this.path, 'utf8');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      raw = undefined;
    }
    const parsed = auditCheckpointSchema.safeParse(raw);
    if (!parsed.success) {
      throw new IntegrityError(`The registry checkpoint ${this.path} is not a checkpoint`, {
        file: this.path,
        hint: 'It is written only by ReproML (atomically). Restore it from the backup of the registry; the registry refuses to act until then.',
      });
    }
    return parsed.data;
  }

  /** Raw bytes, to tell whether a concurrent writer changed it while a reader looked at the log. */
  readRaw(): string | undefined {
    return existsSync(this.path) ? readFileSync(this.path, 'utf8') : undefined;
  }

  async write(checkpoint: AuditCheckpoint): Promise<void> {
    await writeFileAtomic(this.path, stableStringify(auditCheckpointSchema.parse(checkpoint)), { durable: true });
  }
}
