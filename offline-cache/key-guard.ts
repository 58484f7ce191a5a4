/**
 * The sealing key, guarded by the data it seals. A new key is created only for an empty cache; when
 * sealed data exists (undelivered entries, dead letters, sealed cache documents) the key file must hold
 * every key that data was sealed with, or nothing opens: a KeyProblemError ('key-missing' / 'key-wrong')
 * that changes nothing — no key created, no entry moved, every entry still pending.
 *
 * The database remembers the keys by id and check value (`seal_keys`, never the key bytes); the check
 * also trial-opens one sealed payload, which covers databases from before the registry.
 */
import fs from 'node:fs';
import type { SqliteDatabase } from './database.js';
import { KeyProblemError, StorageError, isStorageError, type KeyProblemDetails } from './errors.js';
import { outboxAad } from './outbox.js';
import { Sealer, parseEnvelope, type CryptoRuntime, type SealSuite } from './sealing.js';

export interface SealedSummary {
  /** Pending, in-flight and dead entries: each holds a sealed payload. */
  entries: number;
  /** Sealed documents in the kv cache. */
  documents: number;
}

/** O(1): the trigger-kept queue counters plus the (small) kv cache. */
export function sealedDataSummary(db: SqliteDatabase): SealedSummary {
  const c = db.prepare("SELECT COALESCE(SUM(n), 0) AS n FROM queue_counters WHERE state IN ('pending', 'in_flight', 'dead')").get() as { n: number };
  const d = db.prepare('SELECT COUNT(*) AS n FROM kv_cache WHERE sealed = 1').get() as { n: number };
  return { entries: c.n, documents: d.n };
}

interface RegisteredKey {
  id: string;
  suite: string;
  check_value: string;
}

export function registeredKeys(db: SqliteDatabase): RegisteredKey[] {
  return db.prepare('SELECT id, suite, check_value FROM seal_keys ORDER BY registered_at, id').all() as RegisteredKey[];
}

export interface GuardedSealerOptions {
  db: SqliteDatabase;
  keyFile: string;
  suite?: SealSuite;
  runtime?: CryptoRuntime;
  /** The cache's owner (the core, kioskctl selftest/drain): may create a key for an empty cache and keeps the registry. */
  owner: boolean;
  clock?: () => number;
}

function restoreHint(keyFile: string): string {
  return `restore ${keyFile} from the terminal's provisioning backup (kioskctl key check compares a file with what the data needs), then start the kiosk again`;
}

/** One sealed payload to trial-open: the oldest due pending entry, else in flight, else a dead letter. */
function sampleSealed(db: SqliteDatabase): { payload: Buffer; key: string; kind: string } | undefined {
  for (const state of ['pending', 'in_flight', 'dead']) {
    const r = db
      .prepare(
        `SELECT r.payload AS payload, r.idempotency_key AS key, r.kind AS kind FROM outbox o JOIN records r ON r.id = o.record_id
         WHERE o.state = ? AND r.payload IS NOT NULL ORDER BY o.next_attempt_at LIMIT 1`,
      )
      .get(state) as { payload: Buffer; key: string; kind: string } | undefined;
    if (r !== undefined) return r;
  }
  return undefined;
}

/**
 * Opens the sealer for this database. Throws KeyProblemError when sealed data exists and the key file is
 * missing, malformed, or lacks (or has a different) key the data needs. Other key-file problems (mode,
 * unavailable suite) stay StorageError('sealing').
 */
export function openGuardedSealer(opts: GuardedSealerOptions): Sealer {
  const { db, keyFile } = opts;
  const sealed = sealedDataSummary(db);
  const hasData = sealed.entries + sealed.documents > 0;
  const registry = registeredKeys(db);
  const details = (): KeyProblemDetails => ({
    keyFile,
    sealedEntries: sealed.entries,
    neededKeys: registry.map((r) => ({ id: r.id, checkValue: r.check_value })),
  });
  const what =
    `${sealed.entries} undelivered entr${sealed.entries === 1 ? 'y' : 'ies'}${sealed.documents > 0 ? ` and ${sealed.documents} cached document(s)` : ''}` +
    ` ${sealed.entries + sealed.documents === 1 ? 'is' : 'are'}`;

  if (!fs.existsSync(keyFile)) {
    if (hasData) {
      throw new KeyProblemError(
        'key-missing',
        `sealing key file ${keyFile} is missing while ${what} sealed with it: no new key was made and nothing was moved ` +
          `(every entry stays pending) — ${restoreHint(keyFile)}`,
        details(),
      );
    }
    if (!opts.owner) throw new StorageError('key-missing', `sealing key file ${keyFile} is missing`);
  }
  let sealer: Sealer;
  try {
    sealer = Sealer.open({
      keyFile,
      ...(opts.suite !== undefined ? { suite: opts.suite } : {}),
      ...(opts.runtime !== undefined ? { runtime: opts.runtime } : {}),
      create: !hasData && opts.owner,
    });
  } catch (e) {
    if (hasData && isStorageError(e) && (e.code === 'sealing' || e.code === 'not-found') && !/readable or writable by group|not available in this runtime/.test(e.message)) {
      throw new KeyProblemError('key-wrong', `sealing key file ${keyFile} cannot be used (${e.message}) while ${what} sealed with it — ${restoreHint(keyFile)}`, details(), { cause: e });
    }
    throw e;
  }
  const inFile = new Map(sealer.keyChecks().map((k) => [k.id, k]));
  if (hasData) {
    const absent = registry.filter((r) => inFile.get(r.id)?.checkValue !== r.check_value);
    if (absent.length > 0) {
      throw new KeyProblemError(
        'key-wrong',
        `sealing key file ${keyFile} does not hold the key(s) ${absent.map((r) => `${r.id} (check ${r.check_value.slice(0, 8)}…)`).join(', ')} ` +
          `that ${what} sealed with: it was replaced or is an older copy; nothing was changed — ${restoreHint(keyFile)}`,
        details(),
      );
    }
    const sample = sampleSealed(db);
    if (sample !== undefined) {
      let keyId = '';
      try {
        keyId = parseEnvelope(sample.payload).keyId;
      } catch {
        keyId = '';
      }
      // A key the registry vouches for opens its data; a trial decides for unregistered ones (older databases).
      if (!registry.some((r) => r.id === keyId)) {
        try {
          sealer.open(sample.payload, outboxAad(sample.key, sample.kind));
        } catch (e) {
          throw new KeyProblemError(
            'key-wrong',
            `sealing key file ${keyFile} does not open the queued data (key ${keyId || '?'}: ${e instanceof Error ? e.message : String(e)}) — ${restoreHint(keyFile)}`,
            details(),
            { cause: e },
          );
        }
      }
    }
  }
  if (opts.owner) {
    const now = (opts.clock ?? Date.now)();
    const tx = db.transaction(() => {
      // Registered keys no data needs any more (the cache is empty) make way for the current file's keys.
      if (!hasData) for (const r of registry) if (inFile.get(r.id)?.checkValue !== r.check_value) db.prepare('DELETE FROM seal_keys WHERE id = ?').run(r.id);
      const add = db.prepare('INSERT OR IGNORE INTO seal_keys(id, suite, check_value, registered_at) VALUES (?, ?, ?, ?)');
      for (const k of inFile.values()) if (!registry.some((r) => r.id === k.id && r.check_value === k.checkValue)) add.run(k.id, k.suite, k.checkValue, now);
    });
    if (sealer.keyChecks().some((k) => !registry.some((r) => r.id === k.id && r.check_value === k.checkValue)) || (!hasData && registry.length > 0)) {
      tx.immediate();
    }
  }
  return sealer;
}
