/**
 * The in-memory ledger, for tests and throwaway nodes. Nothing is durable, so commit resolves at once.
 * Pass the same `MemoryLedgerState` to a second createMemoryLedger to simulate a restart: committed balances and
 * the journal survive, holds (packets in flight) do not — exactly what the sqlite adapter guarantees.
 *
 * The journal is bounded (a long-running node must not keep every packet forever: at ~50,000 packets/s the
 * unbounded journal grew the heap by hundreds of MB and cost a quarter of the CPU in garbage collection).
 * The state keeps, per account, the running sum of every leg ever journaled, and the most recent entries (at
 * least MEMORY_JOURNAL_RETAINED of them, at most twice that). verify() compares the book's balances with the
 * running sums; readJournal pages through the retained entries only.
 */
import { createBook, type Leg } from './book.js'
import { LedgerError } from './errors.js'
import { addLegs, checkAdjust, checkMemo, compareSums, pageLimit, type Ledger } from './journal.js'
import type { JournalEntry } from './types.js'

/** Journal entries the memory ledger keeps for readJournal (the newest; older ones survive only in the sums). */
export const MEMORY_JOURNAL_RETAINED = 10_000

export interface MemoryLedgerState {
  /** The most recent entries, in seq order (older ones are dropped in chunks, so up to 2× the bound). */
  readonly journal: JournalEntry[]
  /** Per account, the sum of the legs of every entry ever journaled (dropped ones included). */
  readonly journalSums: Map<string, bigint>
  /** The seq of the last entry ever journaled (0n before the first). */
  lastSeq: bigint
}

export function createMemoryLedgerState(): MemoryLedgerState {
  return { journal: [], journalSums: new Map(), lastSeq: 0n }
}

export interface MemoryLedgerOptions {
  readonly state?: MemoryLedgerState
  readonly now?: () => number
  /** Entries kept for readJournal (default MEMORY_JOURNAL_RETAINED). */
  readonly retained?: number
}

/** Index of the first entry with seq > afterSeq (entries are in seq order). */
function firstAfter(journal: readonly JournalEntry[], afterSeq: bigint): number {
  let lo = 0
  let hi = journal.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (journal[mid]!.seq > afterSeq) hi = mid
    else lo = mid + 1
  }
  return lo
}

export function createMemoryLedger(options: MemoryLedgerOptions = {}): Ledger {
  const state = options.state ?? createMemoryLedgerState()
  const now = options.now ?? Date.now
  const retained = options.retained ?? MEMORY_JOURNAL_RETAINED
  if (!Number.isInteger(retained) || retained < 1) throw new RangeError('retained must be a positive integer')
  const book = createBook(state.journalSums)
  let closed = false

  function open(): void {
    if (closed) throw new LedgerError('LEDGER_CLOSED', 'ledger is closed')
  }

  function record(kind: JournalEntry['kind'], legs: Leg[], memo: string | undefined): JournalEntry {
    state.lastSeq += 1n
    const entry: JournalEntry =
      memo === undefined
        ? Object.freeze({ seq: state.lastSeq, at: new Date(now()), kind, legs: Object.freeze(legs) })
        : Object.freeze({ seq: state.lastSeq, at: new Date(now()), kind, legs: Object.freeze(legs), memo })
    addLegs(state.journalSums, legs)
    const journal = state.journal
    journal.push(entry)
    // Dropping in chunks keeps the cost per entry constant (one splice per `retained` entries).
    if (journal.length >= 2 * retained) journal.splice(0, journal.length - retained)
    return entry
  }

  return {
    reserveIncoming(account, amount) {
      open()
      return book.reserveIncoming(account, amount)
    },
    reserveOutgoing(account, amount) {
      open()
      return book.reserveOutgoing(account, amount)
    },
    release(hold) {
      open()
      book.release(hold)
    },
    // Not `async`: a programmer error (a hold consumed twice) throws here, synchronously, loudly.
    commit(holds, memo) {
      open()
      checkMemo(memo)
      return Promise.resolve(record('transfer', book.applyCommit(holds), memo))
    },
    adjust(accountId, delta, kind, memo) {
      open()
      checkAdjust(accountId, kind, memo)
      return Promise.resolve(record(kind, book.applyAdjust(accountId, delta), memo))
    },
    snapshot(accountId) {
      return book.snapshot(accountId)
    },
    async verify() {
      return compareSums(book.balances(), state.journalSums)
    },
    async readJournal(options) {
      const journal = state.journal
      const from = firstAfter(journal, options?.afterSeq ?? 0n)
      return journal.slice(from, from + pageLimit(options))
    },
    liveHolds() {
      return book.liveHolds()
    },
    async close() {
      closed = true
    },
  }
}
