/**
 * What technicians do to the offline queue, in one place for both callers: the running core (tech.queue.*,
 * through the control socket or the technician screen) and kioskctl working directly on a data directory when
 * no core runs. Nothing here returns payloads: keys, states, counts and technical reasons only; the dead-letter
 * export stays sealed.
 */
import fs from 'node:fs';
import { deadLetterDocument, writeDeadLetterExport, type DeadLetter, type DeadLetterExport, type OfflineCache, type OutboxState } from '../../offline-cache/index.js';
import type { DeadLetterSummary, QueueStats } from '../contract/index.js';
import { acceptanceNumber } from './delivery.js';

export function queueStatsOf(cache: OfflineCache, dataDir: string, floorBytes: number): QueueStats {
  const st = cache.outbox.stats();
  const fsInfo = fs.statfsSync(dataDir);
  const freeBytes = Number(fsInfo.bavail) * Number(fsInfo.bsize);
  return { ...st, freeSpace: { freeBytes, floorBytes, ok: freeBytes >= floorBytes } };
}

export interface KeyRow {
  id: number;
  key: string;
  state: string;
  test: boolean;
  acceptanceNumber: string;
  caseNumber?: string;
}

const STATES: readonly OutboxState[] = ['pending', 'in_flight', 'dead', 'acked'];

/** Idempotency keys with their state, paged by id within each state (no payloads). */
export function queueKeys(cache: OfflineCache, terminalId: string, opts: { state?: OutboxState; afterId?: number; limit?: number } = {}): { keys: KeyRow[]; more: boolean } {
  const limit = opts.limit ?? 1000;
  const out: KeyRow[] = [];
  for (const state of opts.state ? [opts.state] : STATES) {
    let afterId = opts.afterId ?? 0;
    for (;;) {
      const page = cache.outbox.list(state, { afterId, limit: Math.min(1000, limit + 1 - out.length) });
      if (page.length === 0) break;
      for (const e of page) {
        out.push({
          id: e.id,
          key: e.idempotencyKey,
          state: e.state,
          test: e.test,
          acceptanceNumber: acceptanceNumber(terminalId, e),
          ...(e.platformCaseNumber !== undefined ? { caseNumber: e.platformCaseNumber } : {}),
        });
        if (out.length > limit) return { keys: out.slice(0, limit), more: true };
      }
      afterId = page[page.length - 1]?.id ?? afterId;
    }
  }
  return { keys: out, more: false };
}

export function deadLetterSummaries(cache: OfflineCache, terminalId: string, limit: number): DeadLetterSummary[] {
  return cache.outbox.exportDead({ limit }).map((d) => ({
    id: d.id,
    idempotencyKey: d.idempotencyKey,
    acceptanceNumber: acceptanceNumber(terminalId, { id: d.id, enqueuedAt: d.enqueuedAt }),
    kind: d.kind,
    test: d.test,
    attempts: d.attempts,
    deadAt: d.deadAt,
    reason: d.reason,
  }));
}

/** Every dead letter, still sealed, as the export document (payload and attachment files as stored). */
export function sealedDeadLetterDocument(cache: OfflineCache, now: Date, terminalId?: string): { doc: DeadLetterExport; count: number } {
  const letters: DeadLetter[] = [];
  let afterId = 0;
  for (;;) {
    const page = cache.outbox.exportDead({ afterId, limit: 200 });
    if (page.length === 0) break;
    letters.push(...page);
    afterId = page[page.length - 1]?.id ?? afterId;
  }
  const doc = deadLetterDocument(letters, {
    attachments: cache.attachments,
    sealer: cache.sealer,
    reason: 'technician',
    now: now.getTime(),
    ...(terminalId !== undefined ? { acceptanceNumberOf: (l: DeadLetter) => acceptanceNumber(terminalId, l) } : {}),
  });
  return { doc, count: letters.length };
}

/**
 * Writes every dead letter, still sealed, to a new file `file` (never overwrites; fsynced), readable by the
 * technician group (0640) so kioskctl can copy it out. Returns how many were written. Opening them needs the
 * key file.
 */
export function writeSealedExport(cache: OfflineCache, file: string, gid: number | null, now: Date, terminalId?: string): number {
  const { doc, count } = sealedDeadLetterDocument(cache, now, terminalId);
  writeDeadLetterExport(file, doc);
  if (gid !== null) fs.chownSync(file, -1, gid);
  fs.chmodSync(file, 0o640);
  return count;
}
