/**
 * Technician actions and maintenance hand-overs go into the tamper-evident journal (offline-cache/journal.ts):
 * who (PIN slot, socket user), what, when, and how it ended. The core writes through this interface only.
 *
 * The journal takes identifiers only (tokens of A–Z a–z 0–9 . _ : -), never free text, so:
 *   technician-action  action = the tech.* method (`:refused` / `:failed` appended when it did not go
 *                      through), operator = `pin:<slot>` | `socket:<user>` | `remote:<operator>`,
 *                      target = the device (or state, level) the action named, count = a number it named;
 *   hand-over          what = out-of-service | in-service | closing | dead-letter-export, operator, count, file.
 * The full detail (a Chinese reason, the error message) goes to the log line beside it (redacted as always).
 * When the journal is unavailable (storage problem) the record is logged and the action still runs: the
 * kiosk is out of service then anyway, and the log says the journal missed it.
 */
import type { Logger } from 'pino';
import type { JournalEntry } from '../../offline-cache/index.js';
import { verifyJournal } from '../../offline-cache/index.js';
import type { JournalVerify, TechActor } from '../contract/index.js';

export interface TechJournalEntry {
  at: number;
  actor: TechActor;
  /** The tech.* method or the event, e.g. 'tech.service.out', 'service.out-of-service', 'tech.login'. */
  action: string;
  outcome: 'ok' | 'refused' | 'failed';
  /** Short, technical, never citizen data (reasons, device ids, counts). Logged in full; tokens journalled. */
  detail?: Record<string, string | number | boolean | null>;
  /** A hand-over of the terminal or of data (journalled as 'hand-over' instead of 'technician-action'). */
  handOver?: { what: 'out-of-service' | 'in-service' | 'closing' | 'dead-letter-export'; count?: number; file?: string };
}

export interface TechJournal {
  append(entry: TechJournalEntry): void;
  verify(): JournalVerify;
}

/** What the journal needs of the core (kiosk.ts): best-effort append, and where the file is. */
export interface JournalHost {
  journalAppend(entry: JournalEntry): boolean;
  readonly journal: { readonly file: string } | null;
  readonly log: Logger;
}

const TOKEN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

function token(s: string): string | undefined {
  const t = s.replace(/[^A-Za-z0-9._:-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  return TOKEN.test(t) ? t : undefined;
}

export function operatorOf(a: TechActor): string | undefined {
  switch (a.kind) {
    case 'pin':
      return token(`pin:${a.slot}`);
    case 'socket':
      return token(`socket:${a.user}`);
    case 'remote':
      return token(`remote:${a.operator}`);
    default:
      return 'system';
  }
}

/** The detail's first token-like target (a device id, a level, a state) and first count. */
function targetOf(detail: TechJournalEntry['detail']): { target?: string; count?: number } {
  const out: { target?: string; count?: number } = {};
  for (const k of ['device', 'state', 'level', 'source']) {
    const v = detail?.[k];
    if (typeof v === 'string') {
      const t = token(v);
      if (t) {
        out.target = t;
        break;
      }
    }
  }
  for (const k of ['id', 'count', 'moved', 'timeoutSeconds', 'days', 'lines', 'limit']) {
    const v = detail?.[k];
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) {
      out.count = v;
      break;
    }
  }
  return out;
}

export class ChainTechJournal implements TechJournal {
  constructor(private readonly host: JournalHost) {}

  append(e: TechJournalEntry): void {
    const operator = operatorOf(e.actor);
    this.host.log.info({ journal: true, at: new Date(e.at).toISOString(), actor: e.actor, action: e.action, outcome: e.outcome, detail: e.detail ?? {} }, `technician ${e.action} ${e.outcome}`);
    let entry: JournalEntry;
    if (e.handOver) {
      const file = e.handOver.file ? token(e.handOver.file.split('/').pop() ?? '') : undefined;
      entry = {
        type: 'hand-over',
        what: e.handOver.what,
        ...(operator ? { operator } : {}),
        ...(e.handOver.count !== undefined ? { count: e.handOver.count } : {}),
        ...(file && /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(file) ? { file } : {}),
      };
    } else {
      const action = token(e.outcome === 'ok' ? e.action : `${e.action}:${e.outcome}`) ?? 'tech.unknown';
      entry = { type: 'technician-action', action, ...(operator ? { operator } : {}), ...targetOf(e.detail) };
    }
    this.host.journalAppend(entry);
  }

  verify(): JournalVerify {
    const j = this.host.journal;
    if (!j) return { available: false, ok: false, entries: 0, problem: 'the journal is unavailable (see the out-of-service reasons)' };
    try {
      const v = verifyJournal(j.file);
      if (v.ok) return { available: true, ok: true, entries: v.records, problem: null };
      return { available: true, ok: false, entries: v.records, problem: `broken at record ${v.broken.seq} (line ${v.broken.line}): ${v.broken.reason}` };
    } catch (e) {
      return { available: true, ok: false, entries: 0, problem: e instanceof Error ? e.message : String(e) };
    }
  }
}

/** The one place that picks the journal. */
export function createTechJournal(host: JournalHost): TechJournal {
  return new ChainTechJournal(host);
}
