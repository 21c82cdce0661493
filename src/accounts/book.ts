/**
 * The synchronous heart of every ledger adapter: balances and reservations in memory, decided and applied with
 * no await in between (STYLE.md habit 8). Adapters add durability around it (memory: none; sqlite: group commit).
 */
import { isU64 } from '../money/index.js'
import { LedgerError, invariant } from './errors.js'
import type { Account, BalanceSnapshot, Hold, ReserveResult } from './types.js'

export interface Leg {
  readonly accountId: string
  readonly delta: bigint
}

interface Position {
  balance: bigint
  pendingIncoming: bigint
  pendingOutgoing: bigint
}

export interface Book {
  reserveIncoming(account: Account, amount: bigint): ReserveResult
  reserveOutgoing(account: Account, amount: bigint): ReserveResult
  release(hold: Hold): void
  /** Consumes every hold (all checked before any is applied) and applies them; returns the entry's legs. */
  applyCommit(holds: readonly Hold[]): Leg[]
  /** Applies a direct change; returns its one leg. */
  applyAdjust(accountId: string, delta: bigint): Leg[]
  snapshot(accountId: string): BalanceSnapshot
  /** Committed balances of every account the book has seen. */
  balances(): ReadonlyMap<string, bigint>
  /** Holds issued and not yet consumed (packets in flight). */
  liveHolds(): number
}

function checkAmount(amount: bigint): void {
  if (typeof amount !== 'bigint' || !isU64(amount)) {
    throw new LedgerError('LEDGER_INVALID_AMOUNT', `amount must be a u64 bigint, got ${String(amount)}`)
  }
}

/**
 * A reservation of one book. Its fields live in private slots: a copy of a hold (a spread) or a look-alike is
 * not a hold of the book, and nobody can change a hold's amount after the fact. It points at its account's
 * position, so settling it looks nothing up.
 */
class BookHold implements Hold {
  readonly #owner: object
  readonly #position: Position
  readonly #accountId: string
  readonly #amount: bigint
  readonly #direction: Hold['direction']
  #live = true

  constructor(owner: object, position: Position, accountId: string, amount: bigint, direction: Hold['direction']) {
    this.#owner = owner
    this.#position = position
    this.#accountId = accountId
    this.#amount = amount
    this.#direction = direction
  }

  get accountId(): string {
    return this.#accountId
  }
  get amount(): bigint {
    return this.#amount
  }
  get direction(): Hold['direction'] {
    return this.#direction
  }

  toJSON(): { accountId: string; amount: string; direction: Hold['direction'] } {
    return { accountId: this.#accountId, amount: String(this.#amount), direction: this.#direction }
  }

  /** `hold` is a live hold of `owner`'s book. */
  static isLive(hold: Hold, owner: object): hold is BookHold {
    return typeof hold === 'object' && hold !== null && #live in hold && hold.#live && hold.#owner === owner
  }

  /** Marks a live hold consumed and takes its amount out of its pending total; returns the position. */
  static consume(hold: BookHold): Position {
    hold.#live = false
    const p = hold.#position
    if (hold.#direction === 'incoming') {
      p.pendingIncoming -= hold.#amount
      invariant(p.pendingIncoming >= 0n, `pendingIncoming of ${hold.#accountId} went negative`)
    } else {
      p.pendingOutgoing -= hold.#amount
      invariant(p.pendingOutgoing >= 0n, `pendingOutgoing of ${hold.#accountId} went negative`)
    }
    return p
  }
}

function notLive(hold: Hold): LedgerError {
  return new LedgerError('LEDGER_HOLD_CONSUMED', `hold on ${String(hold?.accountId)} (${String(hold?.amount)}) was already consumed or is not ours`)
}

/** A book starting from `initial` committed balances (loaded from a store). */
export function createBook(initial: Iterable<[string, bigint]> = []): Book {
  const positions = new Map<string, Position>()
  /** The identity every hold of this book carries. */
  const owner = {}
  let liveCount = 0
  for (const [accountId, balance] of initial) positions.set(accountId, { balance, pendingIncoming: 0n, pendingOutgoing: 0n })

  function position(accountId: string): Position {
    let p = positions.get(accountId)
    if (p === undefined) {
      p = { balance: 0n, pendingIncoming: 0n, pendingOutgoing: 0n }
      positions.set(accountId, p)
    }
    return p
  }

  function issue(p: Position, accountId: string, amount: bigint, direction: Hold['direction']): ReserveResult {
    liveCount++
    return { ok: true, hold: new BookHold(owner, p, accountId, amount, direction) }
  }

  function consume(hold: Hold): Position {
    if (!BookHold.isLive(hold, owner)) throw notLive(hold)
    liveCount--
    return BookHold.consume(hold)
  }

  return {
    reserveIncoming(account, amount) {
      checkAmount(amount)
      const p = position(account.id)
      const minBalance = account.minBalance ?? 0n
      const after = p.balance - p.pendingIncoming - amount
      if (after < minBalance) {
        return {
          ok: false,
          code: 'T04',
          message: `insufficient balance: account ${account.id} would go to ${after}, minimum ${minBalance}`,
        }
      }
      p.pendingIncoming += amount
      return issue(p, account.id, amount, 'incoming')
    },

    reserveOutgoing(account, amount) {
      checkAmount(amount)
      const p = position(account.id)
      const after = p.balance + p.pendingOutgoing + amount
      if (account.maxBalance !== undefined && after > account.maxBalance) {
        return {
          ok: false,
          code: 'T04',
          message: `exceeded maximum balance: account ${account.id} would go to ${after}, maximum ${account.maxBalance}`,
        }
      }
      p.pendingOutgoing += amount
      return issue(p, account.id, amount, 'outgoing')
    },

    release(hold) {
      consume(hold)
    },

    applyCommit(holds) {
      if (holds.length === 0) throw new LedgerError('LEDGER_INVALID_COMMIT', 'commit needs at least one hold')
      // A commit has one hold per leg (two for a packet hop): the quadratic check allocates nothing.
      for (let i = 1; i < holds.length; i++) {
        for (let j = 0; j < i; j++) if (holds[j] === holds[i]) throw new LedgerError('LEDGER_INVALID_COMMIT', 'the same hold twice in one commit')
      }
      // Every hold checked before any is applied, so a bad list changes nothing.
      for (const hold of holds) if (!BookHold.isLive(hold, owner)) throw notLive(hold)
      const legs: Leg[] = []
      for (const hold of holds as readonly BookHold[]) {
        const delta = hold.direction === 'incoming' ? -hold.amount : hold.amount
        liveCount--
        BookHold.consume(hold).balance += delta
        legs.push({ accountId: hold.accountId, delta })
      }
      return legs
    },

    applyAdjust(accountId, delta) {
      if (typeof delta !== 'bigint') throw new LedgerError('LEDGER_INVALID_AMOUNT', `delta must be a bigint, got ${String(delta)}`)
      position(accountId).balance += delta
      return [{ accountId, delta }]
    },

    snapshot(accountId) {
      const p = positions.get(accountId)
      if (p === undefined) return { balance: 0n, pendingIncoming: 0n, pendingOutgoing: 0n }
      return { balance: p.balance, pendingIncoming: p.pendingIncoming, pendingOutgoing: p.pendingOutgoing }
    },

    balances() {
      const out = new Map<string, bigint>()
      for (const [id, p] of positions) out.set(id, p.balance)
      return out
    },

    liveHolds() {
      return liveCount
    },
  }
}
