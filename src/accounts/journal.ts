/** What every ledger adapter offers beyond the BalanceLedger port, and the journal arithmetic they share. */
import { LedgerError } from './errors.js'
import type { Leg } from './book.js'
import type { BalanceLedger, JournalEntry } from './types.js'

export type VerifyReport = Awaited<ReturnType<BalanceLedger['verify']>>

/** Upper bound on one readJournal page, so an admin request cannot load the whole history at once. */
export const JOURNAL_PAGE_MAX = 10_000

export interface ReadJournalOptions {
  /** Entries with seq > afterSeq (default: from the start). */
  readonly afterSeq?: bigint
  /** At most this many (default and cap JOURNAL_PAGE_MAX). */
  readonly limit?: number
}

/** A BalanceLedger that can also page through its journal and report packets in flight. */
export interface Ledger extends BalanceLedger {
  /** Committed entries in seq order; waits until everything committed so far is durable. */
  readJournal(options?: ReadJournalOptions): Promise<JournalEntry[]>
  /** Holds issued and not yet released or committed. */
  liveHolds(): number
}

/** Longest memo kept in the journal (settlement idempotency keys, packet ids, admin notes). */
export const MEMO_LENGTH_MAX = 1_024

/**
 * Checks what a caller passes with a journal entry before anything is applied: a bad kind or memo must throw at
 * the call, not fail the batch write later (which would stop the whole ledger).
 */
export function checkMemo(memo: string | undefined): void {
  if (memo !== undefined && (typeof memo !== 'string' || memo.length > MEMO_LENGTH_MAX)) {
    throw new LedgerError('LEDGER_INVALID_COMMIT', `memo must be a string of at most ${MEMO_LENGTH_MAX} characters`)
  }
}

/** An `adjust` names one account and is of kind 'adjust' or 'settlement' ('transfer' is for commits). */
export function checkAdjust(accountId: string, kind: JournalEntry['kind'], memo: string | undefined): void {
  if (kind !== 'adjust' && kind !== 'settlement') throw new LedgerError('LEDGER_INVALID_COMMIT', `adjust kind must be 'adjust' or 'settlement', got ${JSON.stringify(kind)}`)
  if (typeof accountId !== 'string' || accountId.length === 0) throw new LedgerError('LEDGER_INVALID_COMMIT', 'accountId must be a non-empty string')
  checkMemo(memo)
}

export function pageLimit(options: ReadJournalOptions | undefined): number {
  const limit = options?.limit ?? JOURNAL_PAGE_MAX
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer`)
  return Math.min(limit, JOURNAL_PAGE_MAX)
}

/** Adds each leg's delta into `sums`. */
export function addLegs(sums: Map<string, bigint>, legs: readonly Leg[]): void {
  for (const { accountId, delta } of legs) sums.set(accountId, (sums.get(accountId) ?? 0n) + delta)
}

/** Every account whose balance differs from its journal sum (an account missing on one side counts as 0). */
export function compareSums(balances: ReadonlyMap<string, bigint>, journalSums: ReadonlyMap<string, bigint>): VerifyReport {
  const mismatches: VerifyReport['mismatches'] = []
  const ids = new Set([...balances.keys(), ...journalSums.keys()])
  for (const accountId of [...ids].sort()) {
    const balance = balances.get(accountId) ?? 0n
    const journalSum = journalSums.get(accountId) ?? 0n
    if (balance !== journalSum) mismatches.push({ accountId, balance, journalSum })
  }
  return { ok: mismatches.length === 0, mismatches }
}

/** Legs as stored: `[["alice","-100"],["bob","92"]]` (bigint as decimal text: deltas may exceed i64/2^53). */
export function encodeLegs(legs: readonly Leg[]): string {
  return JSON.stringify(legs.map(({ accountId, delta }) => [accountId, delta.toString()]))
}

export function decodeLegs(text: string): Leg[] {
  const raw: unknown = JSON.parse(text)
  if (!Array.isArray(raw)) throw new LedgerError('LEDGER_SCHEMA', `journal legs are not an array: ${text}`)
  return raw.map((leg: unknown) => {
    if (!Array.isArray(leg) || typeof leg[0] !== 'string' || typeof leg[1] !== 'string' || !/^-?\d+$/.test(leg[1])) {
      throw new LedgerError('LEDGER_SCHEMA', `bad journal leg ${JSON.stringify(leg)}`)
    }
    return { accountId: leg[0], delta: BigInt(leg[1]) }
  })
}
