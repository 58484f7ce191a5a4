/**
 * Numbered schema migrations. Append only: never edit a migration that has shipped, add a new
 * one. The schema version is kept in `PRAGMA user_version` (and, for people, in the
 * `schema_migrations` table); each migration runs in its own transaction together with the
 * version bump, so a crash leaves the database at the old or the new version, never between.
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'outbox, records, attachment references, queue counters, kv cache',
    up(db) {
      db.exec(`
        CREATE TABLE schema_migrations (
          version    INTEGER PRIMARY KEY,
          name       TEXT NOT NULL,
          applied_at INTEGER NOT NULL
        );

        -- One submission. The payload is sealed (see sealing.ts) and set to NULL once the
        -- platform acknowledges it; the idempotency key, kind and case number stay forever.
        CREATE TABLE records (
          id                   INTEGER PRIMARY KEY,
          idempotency_key      TEXT NOT NULL UNIQUE,
          kind                 TEXT NOT NULL,
          is_test              INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
          created_at           INTEGER NOT NULL,
          payload              BLOB,
          payload_bytes        INTEGER NOT NULL DEFAULT 0,
          platform_case_number TEXT,
          acked_at             INTEGER,
          purged_at            INTEGER
        );

        -- Delivery state of a record.
        CREATE TABLE outbox (
          record_id       INTEGER PRIMARY KEY REFERENCES records(id) ON DELETE CASCADE,
          state           TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'acked', 'dead')),
          attempts        INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL,
          enqueued_at     INTEGER NOT NULL,
          updated_at      INTEGER NOT NULL,
          claimed_at      INTEGER,
          dead_at         INTEGER,
          last_error      TEXT,
          pending_bytes   INTEGER NOT NULL DEFAULT 0
        );
        -- claim(): due entries in order; recoverInFlight(): in_flight only.
        CREATE INDEX outbox_state_due ON outbox(state, next_attempt_at);
        -- stats(): oldest undelivered entry.
        CREATE INDEX outbox_state_enqueued ON outbox(state, enqueued_at);

        -- Attachments a record references, by SHA-256 of their plaintext.
        CREATE TABLE attachment_refs (
          record_id   INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
          position    INTEGER NOT NULL,
          sha256      TEXT NOT NULL,
          size        INTEGER NOT NULL,
          sealed_size INTEGER NOT NULL,
          PRIMARY KEY (record_id, position)
        ) WITHOUT ROWID;
        CREATE INDEX attachment_refs_sha ON attachment_refs(sha256);

        -- Per-state counters kept by triggers, so stats() is O(1) and nothing counts rows.
        CREATE TABLE queue_counters (
          state TEXT PRIMARY KEY,
          n     INTEGER NOT NULL,
          bytes INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO queue_counters(state, n, bytes)
          VALUES ('pending', 0, 0), ('in_flight', 0, 0), ('acked', 0, 0), ('dead', 0, 0);

        CREATE TRIGGER outbox_count_insert AFTER INSERT ON outbox BEGIN
          UPDATE queue_counters SET n = n + 1, bytes = bytes + NEW.pending_bytes WHERE state = NEW.state;
        END;
        CREATE TRIGGER outbox_count_update AFTER UPDATE OF state, pending_bytes ON outbox BEGIN
          UPDATE queue_counters SET n = n - 1, bytes = bytes - OLD.pending_bytes WHERE state = OLD.state;
          UPDATE queue_counters SET n = n + 1, bytes = bytes + NEW.pending_bytes WHERE state = NEW.state;
        END;
        CREATE TRIGGER outbox_count_delete AFTER DELETE ON outbox BEGIN
          UPDATE queue_counters SET n = n - 1, bytes = bytes - OLD.pending_bytes WHERE state = OLD.state;
        END;

        -- Small cache of platform documents (catalog) with their ETag.
        CREATE TABLE kv_cache (
          name       TEXT PRIMARY KEY,
          etag       TEXT,
          body       BLOB NOT NULL,
          sealed     INTEGER NOT NULL CHECK (sealed IN (0, 1)),
          fetched_at INTEGER NOT NULL
        );
      `);
    },
  },
  {
    version: 2,
    name: 'sealing key registry, journal anchor, expired dead letters (retention)',
    up(db) {
      db.exec(`
        -- Keys the sealed data was sealed with, by id and check value (HMAC-SHA256 of a constant under the
        -- key; never the key). A key file that lacks one of them, while sealed data exists, is refused.
        CREATE TABLE seal_keys (
          id            TEXT PRIMARY KEY,
          suite         TEXT NOT NULL,
          check_value   TEXT NOT NULL,
          registered_at INTEGER NOT NULL
        ) WITHOUT ROWID;

        -- The tamper-evident journal file's identity (its first record's hash) and a recent head. The file
        -- must contain this head: a journal shorter than it was truncated; another genesis was replaced.
        CREATE TABLE journal_anchor (
          id         INTEGER PRIMARY KEY CHECK (id = 1),
          genesis    TEXT NOT NULL,
          seq        INTEGER NOT NULL,
          hash       TEXT NOT NULL,
          updated_at INTEGER NOT NULL
        );

        -- A new terminal state, 'expired': a dead letter older than the retention period, exported sealed for
        -- the technician and purged. SQLite cannot alter a CHECK constraint, so the table is rebuilt.
        DROP TRIGGER outbox_count_insert;
        DROP TRIGGER outbox_count_update;
        DROP TRIGGER outbox_count_delete;
        CREATE TABLE outbox_v2 (
          record_id       INTEGER PRIMARY KEY REFERENCES records(id) ON DELETE CASCADE,
          state           TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'acked', 'dead', 'expired')),
          attempts        INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL,
          enqueued_at     INTEGER NOT NULL,
          updated_at      INTEGER NOT NULL,
          claimed_at      INTEGER,
          dead_at         INTEGER,
          last_error      TEXT,
          pending_bytes   INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO outbox_v2(record_id, state, attempts, next_attempt_at, enqueued_at, updated_at, claimed_at, dead_at,
                              last_error, pending_bytes)
          SELECT record_id, state, attempts, next_attempt_at, enqueued_at, updated_at, claimed_at, dead_at, last_error,
                 pending_bytes FROM outbox;
        DROP TABLE outbox;
        ALTER TABLE outbox_v2 RENAME TO outbox;
        CREATE INDEX outbox_state_due ON outbox(state, next_attempt_at);
        CREATE INDEX outbox_state_enqueued ON outbox(state, enqueued_at);
        INSERT INTO queue_counters(state, n, bytes) VALUES ('expired', 0, 0);
        CREATE TRIGGER outbox_count_insert AFTER INSERT ON outbox BEGIN
          UPDATE queue_counters SET n = n + 1, bytes = bytes + NEW.pending_bytes WHERE state = NEW.state;
        END;
        CREATE TRIGGER outbox_count_update AFTER UPDATE OF state, pending_bytes ON outbox BEGIN
          UPDATE queue_counters SET n = n - 1, bytes = bytes - OLD.pending_bytes WHERE state = OLD.state;
          UPDATE queue_counters SET n = n + 1, bytes = bytes + NEW.pending_bytes WHERE state = NEW.state;
        END;
        CREATE TRIGGER outbox_count_delete AFTER DELETE ON outbox BEGIN
          UPDATE queue_counters SET n = n - 1, bytes = bytes - OLD.pending_bytes WHERE state = OLD.state;
        END;
      `);
    },
  },
  {
    version: 3,
    name: 'payment journal',
    up(db) {
      db.exec(`
        -- One row per payment, written before every request to the payment pad and updated with
        -- every answer. Amounts and the pad's references only: never card data, never citizen data.
        CREATE TABLE payment_journal (
          id                  INTEGER PRIMARY KEY,
          -- matter key + step + attempt: the payment's own idempotency key (the pad echoes it)
          idempotency_key     TEXT NOT NULL UNIQUE,
          matter_key          TEXT NOT NULL,
          step                TEXT NOT NULL,
          attempt             INTEGER NOT NULL CHECK (attempt >= 1),
          amount_fen          INTEGER NOT NULL CHECK (amount_fen > 0),
          currency            TEXT NOT NULL DEFAULT 'CNY',
          state               TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'declined', 'unknown', 'reversed')),
          -- nexo ServiceID of the payment request (status inquiries refer to it)
          service_id          TEXT NOT NULL,
          -- the pad's transaction reference (POITransactionID) once approved
          pad_reference       TEXT,
          pad_time            TEXT,
          authorized_fen      INTEGER,
          -- why the row is in its state (decline reason, unknown reason), in the driver's words
          reason              TEXT,
          -- ServiceID of the reversal request, written before it goes to the pad
          reversal_service_id TEXT,
          created_at          INTEGER NOT NULL,
          updated_at          INTEGER NOT NULL,
          UNIQUE (matter_key, step, attempt)
        );
        CREATE INDEX payment_journal_state ON payment_journal(state);
        CREATE INDEX payment_journal_matter ON payment_journal(matter_key);

        -- Every request and answer, in order: what a technician reads to reconcile by hand.
        CREATE TABLE payment_events (
          id         INTEGER PRIMARY KEY,
          payment_id INTEGER NOT NULL REFERENCES payment_journal(id),
          at         INTEGER NOT NULL,
          event      TEXT NOT NULL,
          state      TEXT NOT NULL,
          detail     TEXT
        );
        CREATE INDEX payment_events_payment ON payment_events(payment_id);
      `);
    },
  },
  {
    version: 4,
    name: 'device usage counters per day',
    up(db) {
      db.exec(`
        -- UnifiedPOS-style statistics, per device and per day (China Standard Time), kept across restarts.
        CREATE TABLE device_counters (
          day    TEXT NOT NULL,
          device TEXT NOT NULL,
          name   TEXT NOT NULL,
          value  INTEGER NOT NULL CHECK (value >= 0),
          PRIMARY KEY (day, device, name)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 5,
    name: 'session drafts (crash resume)',
    up(db) {
      db.exec(`
        -- The session's draft (drafts.ts): one citizen, one row. The body is sealed (AAD: the matter key) and
        -- holds no ID number; it is replaced at every step and wiped with the session.
        CREATE TABLE session_drafts (
          id         INTEGER PRIMARY KEY CHECK (id = 1),
          matter_key TEXT NOT NULL,
          saved_at   INTEGER NOT NULL,
          body       BLOB NOT NULL
        );

        -- Scanned pages of the draft's matter, one sealed row per batch, written once when the batch arrives.
        CREATE TABLE session_draft_pages (
          ref        TEXT NOT NULL,
          matter_key TEXT NOT NULL,
          body       BLOB NOT NULL,
          PRIMARY KEY (matter_key, ref)
        );
      `);
    },
  },
];
