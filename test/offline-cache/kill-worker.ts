/**
 * Child process for kill.test.ts: churns the outbox (enqueue with attachments, claim, ack,
 * retryable and permanent failures, dead-letter retry) until SIGKILLed. After each enqueue
 * commits it prints `ENQ <key>`; after each ack commits it prints `ACK <key>`.
 */
import path from 'node:path';
import { openOfflineCache } from '../../offline-cache/index.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: kill-worker <dir>');
const cache = openOfflineCache({ dir, keyFile: path.join(dir, 'keys.json'), minFreeBytes: 0 });
const out = (line: string): void => {
  process.stdout.write(line + '\n');
};
out('READY');
let i = 0;
for (;;) {
  i++;
  const files = i % 3 === 0 ? [Buffer.from(`scan ${i % 7}`), Buffer.alloc(2048, i % 5)] : [];
  const r = cache.outbox.enqueue({ kind: 'case', payload: { i, text: 'x'.repeat(i % 200) }, attachments: files });
  out(`ENQ ${r.idempotencyKey}`);
  for (const c of cache.outbox.claim(Date.now() + 10_000, 2)) {
    if (c.id % 5 === 0) cache.outbox.fail(c.id, { retryable: true, reason: 'HTTP 503', nextAttemptAt: Date.now() });
    else if (c.id % 11 === 0) cache.outbox.fail(c.id, { retryable: false, reason: 'HTTP 422' });
    else {
      cache.outbox.ack(c.id, { platformCaseNumber: `P-${c.id}`, ackedAt: Date.now() });
      out(`ACK ${c.idempotencyKey}`);
    }
  }
  if (i % 13 === 0) cache.outbox.retryDead();
}
