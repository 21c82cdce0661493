/**
 * The SQLite file shared by the ledger and the account store (docs/ledger.md "File layout").
 * WAL journal; `synchronous = FULL` by default so a commit survives power loss, not just kill -9.
 */
import Database from 'better-sqlite3'
import { LedgerError } from './errors.js'

export type SqliteDatabase = Database.Database

/** The schema version in `PRAGMA user_version`. */
export const LEDGER_SCHEMA_VERSION = 1
/** How long a connection waits for another one's write lock (the account store and the ledger share the file). */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000

export type SynchronousMode = 'FULL' | 'NORMAL'

export interface OpenDatabaseOptions {
  readonly readonly?: boolean
  /** FULL (default): fsync the WAL at every commit, durable across power loss. NORMAL: survives kill -9 only. */
  readonly synchronous?: SynchronousMode
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS journal (
    seq  INTEGER PRIMARY KEY,
    at   INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('transfer', 'adjust', 'settlement')),
    legs TEXT NOT NULL,
    memo TEXT
  );
  CREATE TABLE IF NOT EXISTS balances (
    account_id TEXT PRIMARY KEY,
    balance    TEXT NOT NULL,
    seq        INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS accounts (
    id     TEXT PRIMARY KEY,
    config TEXT NOT NULL
  ) WITHOUT ROWID;
`

/** Opens (creating if needed) a ledger database. Read-only opens require the file and never change it. */
export function openLedgerDatabase(path: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  const readonly = options.readonly === true
  const db = new Database(path, { readonly, fileMustExist: readonly })
  try {
    db.defaultSafeIntegers(true)
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`)
    const version = Number(db.pragma('user_version', { simple: true }))
    if (version > LEDGER_SCHEMA_VERSION) {
      throw new LedgerError('LEDGER_SCHEMA', `${path} has ledger schema ${version}; this node knows ${LEDGER_SCHEMA_VERSION}`)
    }
    if (readonly) {
      if (version !== LEDGER_SCHEMA_VERSION) throw new LedgerError('LEDGER_SCHEMA', `${path} is not a ledger database`)
      return db
    }
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`)
    db.transaction(() => {
      db.exec(SCHEMA)
      db.pragma(`user_version = ${LEDGER_SCHEMA_VERSION}`)
    }).immediate()
    return db
  } catch (err) {
    db.close()
    throw err
  }
}
