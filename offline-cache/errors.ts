/**
 * Typed storage errors. Every failure of the offline cache surfaces as a StorageError with a
 * code the core and kioskctl can act on; messages never contain citizen data (payloads,
 * attachment contents) — only file paths, ids, idempotency keys and SQLite/OS error codes.
 */

export type StorageErrorCode =
  | 'corrupt' // quick_check failed or SQLite reported SQLITE_CORRUPT / SQLITE_NOTADB: take the kiosk out of service
  | 'too-new' // the database was written by a newer version of the code
  | 'full' // SQLITE_FULL / ENOSPC
  | 'below-floor' // free space is below the configured floor: new work refused, nothing written
  | 'sealing' // key file, envelope or authentication failure
  | 'key-missing' // the key file is gone while sealed data exists: never create a new key, keep everything
  | 'key-wrong' // the key file does not hold the keys the sealed data needs (replaced, older backup, malformed)
  | 'journal' // the tamper-evident journal is missing, replaced, truncated or its chain is broken
  | 'not-found' // no such entry / attachment / payload already purged
  | 'io' // any other I/O or SQLite failure
  | 'duplicate' // an idempotency key that is already queued
  | 'invalid' // bad input from the caller (nothing written)
  | 'conflict'; // an operation that does not fit the entry's state (e.g. fail() after ack)

export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** A plain, loggable description (no payload bytes, no citizen data). */
  toJSON(): { code: StorageErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** What a technician needs to restore the sealing key: which file, which keys, how much data waits for it. */
export interface KeyProblemDetails {
  keyFile: string;
  /** Undelivered entries (pending, in flight, dead letters) whose sealed payloads need the key. */
  sealedEntries: number;
  /** Keys the data was sealed with: id and check value (HMAC-SHA256 of a constant, never the key itself). */
  neededKeys: { id: string; checkValue: string }[];
}

/**
 * The sealing key is missing or wrong while sealed data exists. Nothing was changed: no key was created,
 * no entry moved. Restore the key file from the terminal's provisioning backup and start again.
 */
export class KeyProblemError extends StorageError {
  constructor(
    code: 'key-missing' | 'key-wrong',
    message: string,
    readonly details: KeyProblemDetails,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

export function isKeyProblem(e: unknown): e is KeyProblemError {
  return e instanceof KeyProblemError;
}

export function isStorageError(e: unknown, code?: StorageErrorCode): e is StorageError {
  return e instanceof StorageError && (code === undefined || e.code === code);
}

function errCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e) {
    const c = (e as { code: unknown }).code;
    return typeof c === 'string' ? c : undefined;
  }
  return undefined;
}

/**
 * Map a better-sqlite3 (SqliteError) or node fs error to a StorageError. StorageErrors pass
 * through unchanged. `what` says what was being done, for the message.
 */
export function toStorageError(e: unknown, what: string): StorageError {
  if (e instanceof StorageError) return e;
  const code = errCode(e) ?? '';
  const detail = e instanceof Error ? e.message : String(e);
  // SHMSIZE: the -shm file could not be enlarged — on a local disk, that is a full disk.
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_IOERR_SHMSIZE' || (code === 'SQLITE_IOERR_WRITE' && /full|space/i.test(detail))) {
    return new StorageError('full', `${what}: storage is full (${code})`, { cause: e });
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new StorageError('corrupt', `${what}: database is corrupt (${code})`, { cause: e });
  }
  if (code === 'ENOENT') {
    return new StorageError('not-found', `${what}: file not found`, { cause: e });
  }
  return new StorageError('io', `${what}: ${code !== '' ? code + ': ' : ''}${detail}`, { cause: e });
}
