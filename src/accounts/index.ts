/** Accounts and the balance ledger: the port (types.ts), its memory and sqlite adapters, the shared contract. */
export * from './types.js'
export { LedgerError, isLedgerError, type LedgerErrorCode } from './errors.js'
export { createBook, type Book, type Leg } from './book.js'
export { JOURNAL_PAGE_MAX, type Ledger, type ReadJournalOptions, type VerifyReport } from './journal.js'
export { createMemoryLedger, createMemoryLedgerState, type MemoryLedgerOptions, type MemoryLedgerState } from './memory-ledger.js'
export { createSqliteLedger, COMMIT_BATCH_MAX, type SqliteLedgerOptions } from './sqlite-ledger.js'
export type { WriterKind } from './journal-writer.js'
export { openLedgerDatabase, LEDGER_SCHEMA_VERSION, type SynchronousMode } from './schema.js'
export { verifyLedger, type LedgerFileReport } from './verify.js'
export {
  ACCOUNT_ID_PATTERN,
  ACCOUNT_ID_LENGTH_MAX,
  isValidAccountId,
  validateAccount,
  encodeAccount,
  decodeAccount,
} from './account-config.js'
export { createAccountStore, createSqliteAccountStore, type AccountStore, type SqliteAccountStoreOptions } from './account-store.js'
