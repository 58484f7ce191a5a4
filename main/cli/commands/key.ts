import fs from 'node:fs';
import { join, resolve } from 'node:path';
import { Sealer, openDatabase, outboxAad, registeredKeys, sealedDataSummary } from '../../../offline-cache/index.js';
import type { Command } from '../framework.js';
import { common, setupOf, str } from './queue.js';

/**
 * `kioskctl key check`: does a key file (the configured one, or a provisioning backup before it is
 * installed) hold every key the queued data was sealed with? Reads only; never writes a key file.
 */
const check: Command = {
  path: ['key', 'check'],
  summary: 'Compare a sealing key file (default: the configured one; or a backup) with the keys the queued data needs',
  usage: '[--key-file FILE] [--data-dir DIR | --profile FILE] [--json]',
  options: { ...common },
  run(values) {
    const s = setupOf(values);
    const keyFile = str(values, 'key-file') !== undefined ? resolve(str(values, 'key-file') ?? '') : s.keyFile;
    if (!fs.existsSync(join(s.dataDir, 'kiosk.db'))) throw new Error(`no offline cache in ${s.dataDir} (kiosk.db missing)`);
    const db = openDatabase({ dir: s.dataDir, quickCheck: false });
    try {
      const sealed = sealedDataSummary(db);
      const needed = registeredKeys(db);
      if (!fs.existsSync(keyFile)) {
        return Promise.resolve({
          data: { ok: false, keyFile, present: false, sealedEntries: sealed.entries, needed: needed.map((k) => ({ id: k.id, checkValue: k.check_value })) },
          human: [`key file ${keyFile}: MISSING`, `  ${sealed.entries} queued entr${sealed.entries === 1 ? 'y needs' : 'ies need'}: ${needed.map((k) => `${k.id} (check value ${k.check_value})`).join(', ') || '(no registered key)'}`],
          failure: `key file ${keyFile} is missing`,
        });
      }
      const sealer = Sealer.open({ keyFile, create: false });
      const inFile = new Map(sealer.keyChecks().map((k) => [k.id, k.checkValue]));
      const rows = needed.map((k) => ({ id: k.id, checkValue: k.check_value, present: inFile.get(k.id) === k.check_value }));
      // One sealed payload must open with it (covers data sealed before the registry existed).
      const sample = db
        .prepare(
          `SELECT r.payload AS payload, r.idempotency_key AS key, r.kind AS kind FROM outbox o JOIN records r ON r.id = o.record_id
           WHERE o.state IN ('pending', 'in_flight', 'dead') AND r.payload IS NOT NULL LIMIT 1`,
        )
        .get() as { payload: Buffer; key: string; kind: string } | undefined;
      let opens: boolean | null = null;
      if (sample !== undefined) {
        try {
          sealer.open(sample.payload, outboxAad(sample.key, sample.kind));
          opens = true;
        } catch {
          opens = false;
        }
      }
      const ok = rows.every((r) => r.present) && opens !== false;
      const human = [
        `key file ${keyFile}: ${ok ? 'holds what the queued data needs' : 'does NOT hold what the queued data needs'}`,
        `  in the file: ${[...inFile].map(([id, cv]) => `${id} (check value ${cv})`).join(', ')}`,
        ...rows.map((r) => `  needed ${r.id} (check value ${r.checkValue}): ${r.present ? 'present' : 'ABSENT or different'}`),
        `  ${sealed.entries} queued entr${sealed.entries === 1 ? 'y' : 'ies'} sealed; ${opens === null ? 'nothing to trial-open' : opens ? 'a sample opens' : 'a sample does NOT open'}`,
      ];
      return Promise.resolve({
        data: { ok, keyFile, present: true, sealedEntries: sealed.entries, needed: rows, sampleOpens: opens },
        human,
        ...(ok ? {} : { failure: `key file ${keyFile} cannot open the queued data` }),
      });
    } finally {
      db.close();
    }
  },
};

export const commands: Command[] = [check];
