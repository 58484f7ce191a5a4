import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openOfflineCache } from '../../offline-cache/index.js';
import { tempDir } from './helpers.js';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'kill-worker.ts');

/** Run the worker, SIGKILL it `afterMs` after it is ready; resolve with the lines it printed. */
function runAndKill(dir: string, afterMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      if (buf === '' && d.startsWith('READY')) setTimeout(() => child.kill('SIGKILL'), afterMs);
      buf += d;
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`worker exited ${code} ${signal}: ${err.slice(0, 500)}`));
      // Only complete lines were written before the kill counts as committed.
      else resolve(buf.split('\n').slice(0, -1));
    });
  });
}

describe('SIGKILL during churn', () => {
  it('loses no committed entry and keeps counters, refs and files consistent across kills', async () => {
    const dir = tempDir();
    const enqueued = new Set<string>();
    const acked = new Set<string>();
    const kills = [120, 260, 90, 330, 180];
    for (const ms of kills) {
      const lines = await runAndKill(dir, ms);
      for (const l of lines) {
        if (l.startsWith('ENQ ')) enqueued.add(l.slice(4));
        if (l.startsWith('ACK ')) acked.add(l.slice(4));
      }
      const c = openOfflineCache({ dir, keyFile: path.join(dir, 'keys.json'), minFreeBytes: 0 });
      try {
        expect(c.db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(c.db.pragma('synchronous', { simple: true })).toBe(2);
        // Nothing left in flight after recovery.
        expect(c.outbox.stats().inFlight).toBe(0);
        // Lost = 0: every key the worker saw committed is present; every printed ack is acked.
        const keys = new Set((c.db.prepare('SELECT idempotency_key AS k FROM records').all() as { k: string }[]).map((r) => r.k));
        for (const k of enqueued) expect(keys.has(k)).toBe(true);
        for (const k of acked) expect(c.outbox.findByKey(k)?.state).toBe('acked');
        // Counters maintained by triggers equal the real counts.
        const real = c.db.prepare('SELECT state, COUNT(*) AS n, SUM(pending_bytes) AS b FROM outbox GROUP BY state').all() as {
          state: string;
          n: number;
          b: number;
        }[];
        const counters = c.db.prepare('SELECT state, n, bytes FROM queue_counters').all() as { state: string; n: number; bytes: number }[];
        for (const ctr of counters) {
          const r = real.find((x) => x.state === ctr.state);
          expect([ctr.state, ctr.n, ctr.bytes]).toEqual([ctr.state, r?.n ?? 0, r?.b ?? 0]);
        }
        // Acked rows are purged; every referenced attachment exists and opens.
        expect((c.db.prepare("SELECT COUNT(*) AS n FROM records r JOIN outbox o ON o.record_id = r.id WHERE o.state = 'acked' AND r.payload IS NOT NULL").get() as { n: number }).n).toBe(0);
        const refs = c.db.prepare('SELECT DISTINCT sha256 FROM attachment_refs').all() as { sha256: string }[];
        for (const r of refs) expect(c.attachments.get(r.sha256).length).toBeGreaterThan(0);
      } finally {
        c.close();
      }
    }
    console.log(`kill test: ${enqueued.size} enqueued, ${acked.size} acked over ${kills.length} kills`);
    expect(enqueued.size).toBeGreaterThan(kills.length);
  }, 60_000);
});
