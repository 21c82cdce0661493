/**
 * The in-memory ledger, for tests and throwaway nodes. Nothing is durable, so commit returns the entry at once.
 * Pass the same `MemoryLedgerState` to a second createMemoryLedger to simulate a restart: committed balances and
 * the journal survive, holds (packets in flight) do not — exactly what the sqlite adapter guarantees.
 *
 * The journal is bounded (a long-running node must not keep every packet forever: at ~50,000 packets/s the
 * unbounded journal grew the heap by hundreds of MB and cost a quarter of the CPU in garbage collection).
 * The state keeps, per account, the running sum of every leg ever journaled, and a ring of the most recent
 * entries (MEMORY_JOURNAL_RETAINED by default). verify() compares the book's balances with the running sums;
 * readJournal pages through the entries still in the ring.
 */
import { createBook, type Leg } from './book.js'
import { LedgerError } from './errors.js'
import { addLegs, checkAdjust, checkMemo, compareSums, pageLimit, type Ledger } from './journal.js'
import type { JournalEntry } from './types.js'

/**
 * Journal entries the memory ledger keeps for readJournal (the newest; older ones survive only in the sums).
 * Small on purpose: every retained entry outlives the young generation. Through a router over BTP at 100
 * packets in flight, 1,000 retained entries were most of what each scavenge copied and cost ~20% of the
 * throughput against 100 (bench/connector.ts, router --trace-gc-nvp).
 */
export const MEMORY_JOURNAL_RETAINED = 256

export interface MemoryLedgerState {
  /** The most recent entries: a ring indexed by `entries % ring.length`. */
  readonly ring: (JournalEntry | undefined)[]
  /** Entries ever journaled (the next one goes to ring[entries % ring.length]). */
  entries: number
  /** Per account, the sum of the legs of every entry ever journaled (dropped ones included). */
  readonly journalSums: Map<string, bigint>
  /** The seq of the last entry ever journaled (0n before the first). */
  lastSeq: bigint
}

/** `retained`: how many of the newest entries readJournal can return (default MEMORY_JOURNAL_RETAINED). */
export function createMemoryLedgerState(retained = MEMORY_JOURNAL_RETAINED): MemoryLedgerState {
  if (!Number.isInteger(retained) || retained < 1) throw new RangeError('retained must be a positive integer')
  return { ring: new Array<JournalEntry | undefined>(retained).fill(undefined), entries: 0, journalSums: new Map(), lastSeq: 0n }
}

export interface MemoryLedgerOptions {
  /** Shared with a later ledger to simulate a restart; default a fresh createMemoryLedgerState(). */
  readonly state?: MemoryLedgerState
  readonly now?: () => number
}

/** Frozen copies of the retained entries, oldest first (seq order). */
function retainedEntries(state: MemoryLedgerState): JournalEntry[] {
  const size = state.ring.length
  const out: JournalEntry[] = []
  for (let i = Math.max(0, state.entries - size); i < state.entries; i++) {
    const e = state.ring[i % size]!
    out.push(Object.freeze({ ...e, at: new Date(e.at.getTime()), legs: Object.freeze(e.legs.map((leg) => Object.freeze({ ...leg }))) }))
  }
  return out
}

export function createMemoryLedger(options: MemoryLedgerOptions = {}): Ledger {
  const state = options.state ?? createMemoryLedgerState()
  const now = options.now ?? Date.now
  const book = createBook(state.journalSums)
  let closed = false

  function open(): void {
    if (closed) throw new LedgerError('LEDGER_CLOSED', 'ledger is closed')
  }

  function record(kind: JournalEntry['kind'], legs: Leg[], memo: string | undefined): JournalEntry {
    state.lastSeq += 1n
    // Not frozen (readonly by type): freezing two objects per commit measured ~25% of the ledger's time per
    // packet. readJournal hands out copies, so what it returns cannot change the ring.
    const entry: JournalEntry =
      memo === undefined ? { seq: state.lastSeq, at: new Date(now()), kind, legs } : { seq: state.lastSeq, at: new Date(now()), kind, legs, memo }
    addLegs(state.journalSums, legs)
    state.ring[state.entries % state.ring.length] = entry
    state.entries++
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
    // Synchronous: nothing to wait for, so the connector answers without a promise hop; a programmer error (a
    // hold consumed twice) throws here, loudly.
    commit(holds, memo) {
      open()
      checkMemo(memo)
      return record('transfer', book.applyCommit(holds), memo)
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
      const afterSeq = options?.afterSeq ?? 0n
      return retainedEntries(state)
        .filter((e) => e.seq > afterSeq)
        .slice(0, pageLimit(options))
    },
    liveHolds() {
      return book.liveHolds()
    },
    async close() {
      closed = true
    },
  }
}
