/**
 * The embedded, durable ledger: balances cached in memory (the Book), every committed change appended to a
 * SQLite journal by group commit. See docs/ledger.md for the durability argument.
 */
import { createBook, type Leg } from './book.js'
import { LedgerError, invariant } from './errors.js'
import { createGroupCommit } from './group-commit.js'
import { addLegs, compareSums, decodeLegs, encodeLegs, pageLimit, type Ledger, type VerifyReport } from './journal.js'
import { openLedgerDatabase, type SqliteDatabase, type SynchronousMode } from './schema.js'
import type { JournalEntry } from './types.js'
import { readBalances, readJournalSums } from './verify.js'

/** Most journal entries written in one transaction: bounds the time one flush blocks the event loop. */
export const COMMIT_BATCH_MAX = 4_096

export interface SqliteLedgerOptions {
  /** The database file (created if missing); shared with the sqlite account store. */
  readonly path: string
  readonly synchronous?: SynchronousMode
  readonly batchMax?: number
  readonly now?: () => number
}

interface JournalRow {
  seq: bigint
  at: bigint
  kind: JournalEntry['kind']
  legs: string
  memo: string | null
}

function rowToEntry(row: JournalRow): JournalEntry {
  return {
    seq: row.seq,
    at: new Date(Number(row.at)),
    kind: row.kind,
    legs: decodeLegs(row.legs),
    ...(row.memo === null ? {} : { memo: row.memo }),
  }
}

function prepareStatements(db: SqliteDatabase) {
  return {
    insertEntry: db.prepare('INSERT INTO journal (seq, at, kind, legs, memo) VALUES (?, ?, ?, ?, ?)'),
    upsertBalance: db.prepare(
      'INSERT INTO balances (account_id, balance, seq) VALUES (?, ?, ?) ' +
        'ON CONFLICT (account_id) DO UPDATE SET balance = excluded.balance, seq = excluded.seq',
    ),
    lastSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM journal').pluck(),
    page: db.prepare('SELECT seq, at, kind, legs, memo FROM journal WHERE seq > ? ORDER BY seq LIMIT ?'),
  }
}

export function createSqliteLedger(options: SqliteLedgerOptions): Ledger {
  const db = openLedgerDatabase(options.path, { synchronous: options.synchronous ?? 'FULL' })
  const now = options.now ?? Date.now
  const statements = prepareStatements(db)
  /** Balances as written in the file; the Book's balances = durable + what is queued. */
  const durable = readBalances(db)
  const book = createBook(durable)
  let nextSeq = (statements.lastSeq.get() as bigint) + 1n
  let state: 'open' | 'closing' | 'closed' = 'open'

  /** Writes a batch in one transaction; returns the new balance (and last seq) of every account it touched. */
  const writeBatch = db.transaction((batch: readonly JournalEntry[]) => {
    const touched = new Map<string, { balance: bigint; seq: bigint }>()
    for (const entry of batch) {
      statements.insertEntry.run(entry.seq, BigInt(entry.at.getTime()), entry.kind, encodeLegs(entry.legs), entry.memo ?? null)
      for (const { accountId, delta } of entry.legs) {
        const before = touched.get(accountId)?.balance ?? durable.get(accountId) ?? 0n
        touched.set(accountId, { balance: before + delta, seq: entry.seq })
      }
    }
    for (const [accountId, { balance, seq }] of touched) statements.upsertBalance.run(accountId, String(balance), seq)
    return touched
  })
  const group = createGroupCommit<JournalEntry>({
    batchMax: options.batchMax ?? COMMIT_BATCH_MAX,
    write(batch) {
      const touched = writeBatch.immediate(batch)
      const settled = group.queued() === 0
      for (const [accountId, { balance }] of touched) {
        durable.set(accountId, balance)
        // Nothing left queued: what is in the file must be exactly what the book holds.
        if (settled) invariant(book.snapshot(accountId).balance === balance, `durable balance of ${accountId} differs from the book`)
      }
    },
  })

  function checkOpen(): void {
    if (state !== 'open') throw new LedgerError('LEDGER_CLOSED', 'ledger is closed')
  }

  /** Assigns the next seq synchronously (so seq order = apply order) and queues the entry for the next flush. */
  function record(kind: JournalEntry['kind'], legs: Leg[], memo: string | undefined): Promise<JournalEntry> {
    const entry: JournalEntry = Object.freeze({
      seq: nextSeq++,
      at: new Date(now()),
      kind,
      legs: Object.freeze(legs),
      ...(memo === undefined ? {} : { memo }),
    })
    return group.enqueue(entry).then(() => entry)
  }

  async function verify(): Promise<VerifyReport> {
    await group.drain()
    const journalSums = readJournalSums(db)
    const inFile = compareSums(readBalances(db), journalSums)
    const cached = compareSums(book.balances(), journalSums)
    const seen = new Set(inFile.mismatches.map((m) => m.accountId))
    const mismatches = [...inFile.mismatches, ...cached.mismatches.filter((m) => !seen.has(m.accountId))]
    return { ok: mismatches.length === 0, mismatches }
  }

  return {
    reserveIncoming(account, amount) {
      checkOpen()
      return book.reserveIncoming(account, amount)
    },
    reserveOutgoing(account, amount) {
      checkOpen()
      return book.reserveOutgoing(account, amount)
    },
    release(hold) {
      checkOpen()
      book.release(hold)
    },
    commit(holds, memo) {
      checkOpen()
      return record('transfer', book.applyCommit(holds), memo)
    },
    adjust(accountId, delta, kind, memo) {
      checkOpen()
      return record(kind, book.applyAdjust(accountId, delta), memo)
    },
    snapshot(accountId) {
      return book.snapshot(accountId)
    },
    verify,
    async readJournal(options) {
      await group.drain()
      const rows = statements.page.all(options?.afterSeq ?? 0n, BigInt(pageLimit(options))) as JournalRow[]
      return rows.map(rowToEntry)
    },
    liveHolds() {
      return book.liveHolds()
    },
    async close() {
      if (state !== 'open') return
      state = 'closing'
      try {
        await group.drain()
        invariant(group.queued() === 0, 'entries left unwritten at close')
      } finally {
        state = 'closed'
        db.close()
      }
    },
  }
}
