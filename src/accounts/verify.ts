/** Checking a ledger file: the journal's legs summed per account must equal the balances table. */
import { addLegs, compareSums, decodeLegs, type VerifyReport } from './journal.js'
import { openLedgerDatabase, type SqliteDatabase } from './schema.js'

export function readBalances(db: SqliteDatabase): Map<string, bigint> {
  const balances = new Map<string, bigint>()
  const rows = db.prepare('SELECT account_id, balance FROM balances').iterate() as IterableIterator<{ account_id: string; balance: string }>
  for (const row of rows) balances.set(row.account_id, BigInt(row.balance))
  return balances
}

/** Streams the whole journal (constant memory per entry) and sums each account's legs. */
export function readJournalSums(db: SqliteDatabase): Map<string, bigint> {
  const sums = new Map<string, bigint>()
  const rows = db.prepare('SELECT legs FROM journal ORDER BY seq').pluck().iterate() as IterableIterator<string>
  for (const legs of rows) addLegs(sums, decodeLegs(legs))
  return sums
}

export interface LedgerFileReport extends VerifyReport {
  readonly entries: bigint
  readonly accounts: number
}

/** Opens the ledger file read-only and checks it (`ilp ledger verify <path>`). Never writes to the file. */
export function verifyLedger(path: string): LedgerFileReport {
  const db = openLedgerDatabase(path, { readonly: true })
  try {
    const read = db.transaction(() => {
      const balances = readBalances(db)
      const report = compareSums(balances, readJournalSums(db))
      const entries = db.prepare('SELECT COUNT(*) FROM journal').pluck().get() as bigint
      return { ...report, entries, accounts: balances.size }
    })
    return read.deferred()
  } finally {
    db.close()
  }
}
