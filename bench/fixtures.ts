/**
 * Data directories for the bench, filled the production way (sealed entries, submission-accepted journal
 * records), only faster: entries are committed in batches inside one outer transaction each and the
 * journal lines synced once per batch — the same rows and the same journal a kiosk would have written one
 * by one.
 */
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openOfflineCache } from '../offline-cache/index.js';
import { acceptanceNumber, enqueueSubmission } from '../main/core/delivery.js';

export const BENCH_TERMINAL = 'NX-BENCH-1';

export function benchDir(name: string): string {
  return fs.mkdtempSync(join(tmpdir(), `bench-${name}-`));
}

/** A form the size of a typical matter's (about 0.5 KB). */
export function benchPayload(i: number): { matterCode: string; applicantToken: string; form: Record<string, unknown> } {
  return { matterCode: 'M-BENCH', applicantToken: 'token-'.padEnd(64, 'x'), form: { n: i, text: 'a'.repeat(400) } };
}

/** `n` pending submissions in `dataDir` (key file at <dataDir>/keys/seal.json, as the kiosk's default profile has it). */
export function fillPending(dataDir: string, n: number, terminalId = BENCH_TERMINAL): void {
  const c = openOfflineCache({ dir: dataDir, keyFile: join(dataDir, 'keys', 'seal.json'), minFreeBytes: 0, journal: { terminalId } });
  try {
    const journal = c.journal;
    if (journal === null) throw new Error(`bench: no journal (${c.journalProblem?.message ?? ''})`);
    const BATCH = 5000;
    for (let b = 0; b < n; b += BATCH) {
      c.db.transaction(() => {
        for (let i = b; i < Math.min(n, b + BATCH); i++) {
          const r = enqueueSubmission(c.outbox, terminalId, { idempotencyKey: `fill-${i}`, kind: 'matter', payload: benchPayload(i) });
          const e = c.outbox.entry(r.id);
          if (e === undefined) throw new Error('bench: entry vanished');
          journal.append({ type: 'submission-accepted', acceptanceNumber: acceptanceNumber(terminalId, e), key: r.idempotencyKey }, { sync: false });
        }
      })();
      journal.sync();
    }
    if (c.outbox.stats().pending !== n) throw new Error('bench: fill failed');
  } finally {
    c.close();
  }
}
