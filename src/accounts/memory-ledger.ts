/**
 * The in-memory ledger, for tests and throwaway nodes. Nothing is durable, so commit resolves at once.
 * Pass the same `MemoryLedgerState` to a second createMemoryLedger to simulate a restart: committed balances and
 * the journal survive, holds (packets in flight) do not — exactly what the sqlite adapter guarantees.
 */
import { createBook, type Leg } from './book.js'
import { LedgerError } from './errors.js'
import { addLegs, checkAdjust, checkMemo, compareSums, pageLimit, type Ledger } from './journal.js'
import type { JournalEntry } from './types.js'

export interface MemoryLedgerState {
  readonly journal: JournalEntry[]
}

export function createMemoryLedgerState(): MemoryLedgerState {
  return { journal: [] }
}

export interface MemoryLedgerOptions {
  readonly state?: MemoryLedgerState
  readonly now?: () => number
}

export function createMemoryLedger(options: MemoryLedgerOptions = {}): Ledger {
  const state = options.state ?? createMemoryLedgerState()
  const now = options.now ?? Date.now
  const sums = new Map<string, bigint>()
  for (const entry of state.journal) addLegs(sums, entry.legs)
  const book = createBook(sums)
  let closed = false

  function open(): void {
    if (closed) throw new LedgerError('LEDGER_CLOSED', 'ledger is closed')
  }

  function record(kind: JournalEntry['kind'], legs: Leg[], memo: string | undefined): JournalEntry {
    const last = state.journal[state.journal.length - 1]
    const entry: JournalEntry = Object.freeze({
      seq: (last?.seq ?? 0n) + 1n,
      at: new Date(now()),
      kind,
      legs: Object.freeze(legs),
      ...(memo === undefined ? {} : { memo }),
    })
    state.journal.push(entry)
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
      const journalSums = new Map<string, bigint>()
      for (const entry of state.journal) addLegs(journalSums, entry.legs)
      return compareSums(book.balances(), journalSums)
    },
    async readJournal(options) {
      const afterSeq = options?.afterSeq ?? 0n
      return state.journal.filter((e) => e.seq > afterSeq).slice(0, pageLimit(options))
    },
    liveHolds() {
      return book.liveHolds()
    },
    async close() {
      closed = true
    },
  }
}
