/**
 * Where technician actions and maintenance hand-overs are recorded: who (PIN slot, socket user), what, when,
 * and how it ended. The core writes through this interface only, so the store behind it is one line in
 * kiosk.ts (`createTechJournal`).
 *
 * Until the tamper-evident hash-chained journal of offline-cache/ lands (the hardening issue), entries go to
 * the core's log as structured `journal` lines (redacted like every log line). No second journal is kept here.
 */
import type { Logger } from 'pino';
import type { JournalVerify, TechActor } from '../contract/index.js';

export interface TechJournalEntry {
  at: number;
  actor: TechActor;
  /** The tech.* method or the event, e.g. 'tech.service.out', 'service.closed', 'tech.login'. */
  action: string;
  outcome: 'ok' | 'refused' | 'failed';
  /** Short, technical, never citizen data (reasons, device ids, counts). */
  detail?: Record<string, string | number | boolean | null>;
}

export interface TechJournal {
  append(entry: TechJournalEntry): void;
  verify(): JournalVerify;
}

/** Stand-in until the hash-chained journal exists: structured log lines, nothing verifiable. */
export class LogTechJournal implements TechJournal {
  #count = 0;
  constructor(private readonly log: Logger) {}

  append(entry: TechJournalEntry): void {
    this.#count++;
    this.log.info({ journal: true, ...entry, at: new Date(entry.at).toISOString() }, `journal ${entry.action} ${entry.outcome}`);
  }

  verify(): JournalVerify {
    return { available: false, ok: false, entries: this.#count, problem: 'no tamper-evident journal in this build yet: technician actions are in the log (part "journal")' };
  }
}

/** The one place that picks the journal (swap to the hash-chained journal here). */
export function createTechJournal(log: Logger): TechJournal {
  return new LogTechJournal(log.child({ part: 'journal' }));
}
