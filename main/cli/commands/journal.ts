import fs from 'node:fs';
import { join, resolve } from 'node:path';
import {
  JOURNAL_FILE,
  Journal,
  openDatabase,
  scanJournal,
  type JournalRecord,
  type SqliteDatabase,
} from '../../../offline-cache/index.js';
import { UsageError, intOption, type Command } from '../framework.js';
import { common, setupOf, str, type Setup } from './queue.js';

/**
 * The tamper-evident journal: journal verify | show | acknowledge-loss.
 *
 * `verify` reads only (safe while the kiosk runs): it checks every link of the chain and names the first
 * broken one, checks the database's anchor (the journal's first record and a recent head) and compares
 * the journal's accepted submissions with the database (acceptance numbers the database lost).
 * `acknowledge-loss` appends (serialised with the running core through the database's write lock).
 */

function journalFileOf(s: Setup, values: Record<string, unknown>): string {
  const f = str(values, 'file');
  return f !== undefined ? resolve(f) : join(s.dataDir, JOURNAL_FILE);
}

/** The database read-only, or null when there is none (a journal copied elsewhere). */
function openDbReadOnly(dataDir: string): SqliteDatabase | null {
  const file = join(dataDir, 'kiosk.db');
  if (!fs.existsSync(file)) return null;
  return openDatabase({ dir: dataDir, quickCheck: false });
}

interface Missing {
  acceptanceNumber: string;
  key: string;
}

/** Accepted (and not loss-acknowledged) submissions of the valid prefix that the database does not hold. */
function missingFrom(db: SqliteDatabase, records: readonly JournalRecord[]): Missing[] {
  const accepted = new Map<string, string>();
  for (const r of records) {
    const key = r.fields.key;
    if (typeof key !== 'string') continue;
    if (r.type === 'submission-accepted' && typeof r.fields.acceptanceNumber === 'string') accepted.set(key, r.fields.acceptanceNumber);
    if (r.type === 'loss-acknowledged') accepted.delete(key);
  }
  const has = db.prepare('SELECT 1 FROM records WHERE idempotency_key = ?');
  return [...accepted].filter(([key]) => has.get(key) === undefined).map(([key, acceptanceNumber]) => ({ acceptanceNumber, key }));
}

function anchorOf(db: SqliteDatabase): { genesis: string; seq: number; hash: string } | null {
  return (db.prepare('SELECT genesis, seq, hash FROM journal_anchor WHERE id = 1').get() as { genesis: string; seq: number; hash: string } | undefined) ?? null;
}

const verify: Command = {
  path: ['journal', 'verify'],
  summary: 'Check the journal: every hash link (names the first broken one), the database anchor, acceptance numbers the database lost',
  usage: '[--data-dir DIR | --profile FILE] [--file JOURNAL] [--json]',
  options: { ...common, file: { type: 'string' } },
  run(values) {
    const s = setupOf(values);
    const file = journalFileOf(s, values);
    if (!fs.existsSync(file)) throw new Error(`no journal at ${file}`);
    const scan = scanJournal(fs.readFileSync(file));
    const records = scan.head.seq + 1;
    const problems: string[] = [];
    const human: string[] = [];
    if (scan.broken !== null) {
      const b = scan.broken;
      problems.push(`broken link at record ${b.seq} (line ${b.line}, byte ${b.offset}): ${b.reason}`);
      human.push(`journal ${file}: BROKEN at record ${b.seq} (line ${b.line}, byte offset ${b.offset})`, `  ${b.reason}`, `  the ${records} record(s) before it chain correctly (${scan.alg ?? '?'})`);
    } else {
      human.push(`journal ${file}: ${records} record(s), every link intact (${scan.alg ?? '?'}), head #${scan.head.seq} ${scan.head.hash.slice(0, 16)}…`);
      if (scan.tornTailBytes > 0) human.push(`  ${scan.tornTailBytes} byte(s) of an unfinished last record (a crash mid-write; the kiosk cuts it at start)`);
    }
    let missing: Missing[] = [];
    let anchor: { ok: boolean; detail: string } | null = null;
    const db = str(values, 'file') === undefined ? openDbReadOnly(s.dataDir) : null;
    if (db !== null) {
      try {
        const a = anchorOf(db);
        if (a === null) anchor = { ok: true, detail: 'the database has no anchor yet' };
        else if (scan.records[0]?.hash !== a.genesis) anchor = { ok: false, detail: 'the journal is not the one the database started (first record differs): replaced' };
        else if (scan.head.seq < a.seq) anchor = { ok: false, detail: `the database saw record ${a.seq}, the valid journal ends at ${scan.head.seq}: cut short` };
        else if (scan.records[a.seq]?.hash !== a.hash) anchor = { ok: false, detail: `record ${a.seq} is not the one the database saw` };
        else anchor = { ok: true, detail: `matches the database (record ${a.seq})` };
        missing = missingFrom(db, scan.records);
      } finally {
        db.close();
      }
      human.push(`  database anchor: ${anchor.detail}`);
      if (!anchor.ok) problems.push(`anchor: ${anchor.detail}`);
      if (missing.length > 0) {
        problems.push(`${missing.length} committed acceptance number(s) missing from the database`);
        human.push(`  ${missing.length} committed acceptance number(s) MISSING from the database:`, ...missing.map((m) => `    ${m.acceptanceNumber}  (key ${m.key})`));
      } else {
        human.push('  every committed acceptance number is in the database');
      }
    }
    return Promise.resolve({
      data: { ok: problems.length === 0, file, alg: scan.alg, records, head: scan.head, broken: scan.broken, tornTailBytes: scan.tornTailBytes, anchor, missing },
      human,
      ...(problems.length > 0 ? { failure: problems.join('; ') } : {}),
    });
  },
};

const show: Command = {
  path: ['journal', 'show'],
  summary: 'The last records of the journal (identifiers only: acceptance numbers, keys, codes)',
  usage: '[--last N] [--data-dir DIR | --profile FILE] [--file JOURNAL] [--json]',
  options: { ...common, file: { type: 'string' }, last: { type: 'string' } },
  run(values) {
    const s = setupOf(values);
    const file = journalFileOf(s, values);
    const last = intOption(values, 'last', 20, 1, 100_000);
    const scan = scanJournal(fs.readFileSync(file));
    const shown = scan.records.slice(-last);
    return Promise.resolve({
      data: { records: shown, broken: scan.broken },
      human: [
        ...shown.map((r) => `#${String(r.seq).padStart(6)} ${r.at} ${r.type.padEnd(22)} ${Object.entries(r.fields).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`),
        ...(scan.broken !== null ? [`(chain broken at record ${scan.broken.seq}: ${scan.broken.reason})`] : []),
      ],
    });
  },
};

const acknowledgeLoss: Command = {
  path: ['journal', 'acknowledge-loss'],
  summary: 'Record that a technician has dealt with lost submissions (the numbers journal verify lists), so the kiosk can serve again',
  usage: '--operator ID (--all | --number ACCEPTANCE_NUMBER) [--data-dir DIR | --profile FILE] [--json]',
  options: { ...common, operator: { type: 'string' }, all: { type: 'boolean' }, number: { type: 'string', multiple: true } },
  run(values) {
    const s = setupOf(values);
    const operator = str(values, 'operator');
    if (operator === undefined || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/.test(operator)) throw new UsageError('--operator ID is required (letters, digits, . _ : -)');
    const numbers = (values.number as string[] | undefined) ?? [];
    if (values.all !== true && numbers.length === 0) throw new UsageError('say which: --all (every missing number) or --number N (repeatable)');
    const file = join(s.dataDir, JOURNAL_FILE);
    const db = openDatabase({ dir: s.dataDir, quickCheck: false });
    let journal: Journal | null = null;
    try {
      const scan = scanJournal(fs.readFileSync(file));
      if (scan.broken !== null) throw new Error(`the journal is broken at record ${scan.broken.seq}: ${scan.broken.reason} (kioskctl journal verify)`);
      const missing = missingFrom(db, scan.records);
      const chosen = values.all === true ? missing : missing.filter((m) => numbers.includes(m.acceptanceNumber));
      const unknown = numbers.filter((n) => !missing.some((m) => m.acceptanceNumber === n));
      if (unknown.length > 0) throw new UsageError(`not missing (nothing to acknowledge): ${unknown.join(', ')}`);
      journal = Journal.open({ file, db });
      for (const m of chosen) journal.append({ type: 'loss-acknowledged', acceptanceNumber: m.acceptanceNumber, key: m.key, operator });
      return Promise.resolve({
        data: { acknowledged: chosen },
        human: chosen.length === 0 ? ['nothing is missing: nothing to acknowledge'] : [`${chosen.length} lost submission(s) acknowledged by ${operator}:`, ...chosen.map((m) => `  ${m.acceptanceNumber}`), 'restart the kiosk to serve again'],
      });
    } finally {
      journal?.close();
      db.close();
    }
  },
};

export const commands: Command[] = [verify, show, acknowledgeLoss];
