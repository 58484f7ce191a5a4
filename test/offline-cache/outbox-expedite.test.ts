import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openOfflineCache, type OfflineCache } from '../../offline-cache/index.js';

let cache: OfflineCache | undefined;
let dir: string | undefined;
afterEach(() => {
  cache?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('outbox expedite', () => {
  it('makes pending entries that wait out a backoff due now, and leaves dead letters alone', () => {
    dir = mkdtempSync(join(tmpdir(), 'expedite-'));
    const t0 = 1_700_000_000_000;
    cache = openOfflineCache({ dir, keyFile: join(dir, 'key.json'), minFreeBytes: 0, clock: () => t0 });
    const { outbox } = cache;
    const a = outbox.enqueue({ kind: 'case', payload: { n: 1 } });
    const b = outbox.enqueue({ kind: 'case', payload: { n: 2 } });
    const c = outbox.enqueue({ kind: 'case', payload: { n: 3 } });
    expect(outbox.claim(t0 + 1, 10).map((e) => e.id).sort()).toEqual([a.id, b.id, c.id].sort());
    outbox.fail(a.id, { retryable: true, reason: 'network', nextAttemptAt: t0 + 300_000 });
    outbox.fail(b.id, { retryable: true, reason: 'network', nextAttemptAt: t0 + 60_000 });
    outbox.fail(c.id, { retryable: false, reason: '422' });
    expect(outbox.claim(t0 + 2, 10)).toEqual([]);
    expect(outbox.expedite(t0 + 2)).toBe(2);
    expect(outbox.claim(t0 + 2, 10).map((e) => e.id).sort()).toEqual([a.id, b.id].sort());
    expect(outbox.stats(t0 + 2).dead).toBe(1);
  });
});
