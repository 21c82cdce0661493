/**
 * The embedded, durable ledger: balances cached in memory (the Book), every committed change appended to a
 * SQLite journal by group commit. See docs/ledger.md for the durability argument.
 */
import { createBook, type Leg } from './book.js'
import { LedgerError, invariant } from './errors.js'
import { createGroupCommit } from './group-commit.js'
import { checkAdjust, checkMemo, compareSums, decodeLegs, encodeLegs, pageLimit, type Ledger, type VerifyReport } from './journal.js'
import { createInlineWriter, createWorkerWriter, type StoredEntry, type WriteBatch, type WriterKind } from './journal-writer.js'
import { openLedgerDatabase, type SynchronousMode } from './schema.js'
import type { JournalEntry } from './types.js'
import { readBalances, readJournalSums } from './verify.js'

/** Most journal entries written in one transaction: bounds a batch's size and write time. */
export const COMMIT_BATCH_MAX = 4_096

export interface SqliteLedgerOptions {
  /** The database file (created if missing); shared with the sqlite account store. */
  readonly path: string
  readonly synchronous?: SynchronousMode
  readonly batchMax?: number
  readonly now?: () => number
  /** 'worker' (default): transactions and fsyncs run on a writer thread. 'inline': on the event loop. */
  readonly writer?: WriterKind
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

/** Seq and balances each batch leaves behind, computed on the event loop (cheap) before the write. */
function toWriteBatch(batch: readonly JournalEntry[], durable: ReadonlyMap<string, bigint>): { write: WriteBatch; touched: Map<string, bigint> } {
  const touched = new Map<string, bigint>()
  const lastSeq = new Map<string, bigint>()
  const entries: StoredEntry[] = batch.map((entry) => {
    for (const { accountId, delta } of entry.legs) {
      touched.set(accountId, (touched.get(accountId) ?? durable.get(accountId) ?? 0n) + delta)
      lastSeq.set(accountId, entry.seq)
    }
    return { seq: entry.seq, atMs: entry.at.getTime(), kind: entry.kind, legs: encodeLegs(entry.legs), memo: entry.memo ?? null }
  })
  const balances = [...touched].map(([accountId, balance]) => [accountId, String(balance), lastSeq.get(accountId) ?? 0n] as const)
  return { write: { entries, balances }, touched }
}

export function createSqliteLedger(options: SqliteLedgerOptions): Ledger {
  const synchronous = options.synchronous ?? 'FULL'
  const db = openLedgerDatabase(options.path, { synchronous })
  const now = options.now ?? Date.now
  const lastSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM journal').pluck()
  const page = db.prepare('SELECT seq, at, kind, legs, memo FROM journal WHERE seq > ? ORDER BY seq LIMIT ?')
  /** Balances as written in the file; the Book's balances = durable + what is queued or being written. */
  const durable = readBalances(db)
  const book = createBook(durable)
  let nextSeq = (lastSeq.get() as bigint) + 1n
  let state: 'open' | 'closing' | 'closed' = 'open'
  const writer = (options.writer ?? 'worker') === 'worker' ? createWorkerWriter(options.path, synchronous) : createInlineWriter(db)

  /** After a batch is durable: advance `durable`; with nothing left to write, the file must equal the book. */
  function written(touched: ReadonlyMap<string, bigint>): void {
    const settled = group.queued() === 0
    for (const [accountId, balance] of touched) {
      durable.set(accountId, balance)
      if (settled) invariant(book.snapshot(accountId).balance === balance, `durable balance of ${accountId} differs from the book`)
    }
  }
  const group = createGroupCommit<JournalEntry>({
    batchMax: options.batchMax ?? COMMIT_BATCH_MAX,
    write(batch) {
      const { write, touched } = toWriteBatch(batch, durable)
      const pending = writer.write(write)
      if (pending === undefined) return written(touched)
      return pending.then(() => written(touched))
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
    return group.enqueue(entry)
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
      checkMemo(memo)
      return record('transfer', book.applyCommit(holds), memo)
    },
    adjust(accountId, delta, kind, memo) {
      checkOpen()
      checkAdjust(accountId, kind, memo)
      return record(kind, book.applyAdjust(accountId, delta), memo)
    },
    snapshot(accountId) {
      return book.snapshot(accountId)
    },
    verify,
    async readJournal(options) {
      await group.drain()
      const rows = page.all(options?.afterSeq ?? 0n, BigInt(pageLimit(options))) as JournalRow[]
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
        try {
          await writer.close()
        } finally {
          db.close()
        }
      }
    },
  }
}
