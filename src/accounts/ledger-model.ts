/**
 * A reference model of the ledger rules, for the contract suite's property test: random sequences of reserve,
 * release, commit and adjust run against an adapter and against this model must agree at every step.
 */
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { Ledger } from './journal.js'
import type { Account, Hold } from './types.js'

export type Command =
  | { readonly op: 'reserve'; readonly account: number; readonly direction: Hold['direction']; readonly amount: bigint }
  | { readonly op: 'release'; readonly pick: number }
  | { readonly op: 'commit'; readonly picks: readonly number[] }
  | { readonly op: 'adjust'; readonly account: number; readonly delta: bigint }

const base = { relation: 'peer', assetCode: 'USD', assetScale: 2 } as const
export const MODEL_ACCOUNTS: readonly Account[] = [
  { ...base, id: 'm0' },
  { ...base, id: 'm1', minBalance: -50n, maxBalance: 80n },
  { ...base, id: 'm2', minBalance: -1_000n },
  { ...base, id: 'm3', maxBalance: 0n },
]

const account = fc.nat({ max: MODEL_ACCOUNTS.length - 1 })
export const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('reserve' as const), account, direction: fc.constantFrom('incoming' as const, 'outgoing' as const), amount: fc.bigInt({ min: 0n, max: 60n }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('release' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('commit' as const), picks: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('adjust' as const), account, delta: fc.bigInt({ min: -100n, max: 100n }) }) },
)

interface Position {
  balance: bigint
  pendingIncoming: bigint
  pendingOutgoing: bigint
}

/**
 * Runs `commands` on `ledger` and on the model, asserting agreement after each; then verify() must pass.
 * Account ids get `prefix`, so one ledger can host many runs (each starts from fresh accounts).
 */
export async function runAgainstModel(ledger: Ledger, commands: readonly Command[], prefix = ''): Promise<void> {
  const accounts = MODEL_ACCOUNTS.map((a) => ({ ...a, id: prefix + a.id }))
  const model = new Map<string, Position>(accounts.map((a) => [a.id, { balance: 0n, pendingIncoming: 0n, pendingOutgoing: 0n }]))
  const holdsBefore = ledger.liveHolds()
  const live: Hold[] = []
  const position = (id: string): Position => model.get(id) as Position
  const take = (pick: number): Hold => live.splice(pick % live.length, 1)[0] as Hold
  const commits: Promise<unknown>[] = []

  for (const command of commands) {
    if (command.op === 'reserve') {
      const acct = accounts[command.account] as Account
      const p = position(acct.id)
      const incoming = command.direction === 'incoming'
      const allowed = incoming
        ? p.balance - p.pendingIncoming - command.amount >= (acct.minBalance ?? 0n)
        : acct.maxBalance === undefined || p.balance + p.pendingOutgoing + command.amount <= acct.maxBalance
      const result = incoming ? ledger.reserveIncoming(acct, command.amount) : ledger.reserveOutgoing(acct, command.amount)
      assert.equal(result.ok, allowed, `${command.direction} ${command.amount} on ${acct.id}`)
      if (result.ok) {
        live.push(result.hold)
        if (incoming) p.pendingIncoming += command.amount
        else p.pendingOutgoing += command.amount
      }
    } else if (command.op === 'release' && live.length > 0) {
      const hold = take(command.pick)
      ledger.release(hold)
      const p = position(hold.accountId)
      if (hold.direction === 'incoming') p.pendingIncoming -= hold.amount
      else p.pendingOutgoing -= hold.amount
    } else if (command.op === 'commit' && live.length > 0) {
      const holds = [...new Set(command.picks.map((pick) => live[pick % live.length] as Hold))]
      for (const hold of holds) {
        live.splice(live.indexOf(hold), 1)
        const p = position(hold.accountId)
        if (hold.direction === 'incoming') {
          p.pendingIncoming -= hold.amount
          p.balance -= hold.amount
        } else {
          p.pendingOutgoing -= hold.amount
          p.balance += hold.amount
        }
      }
      commits.push(Promise.resolve(ledger.commit(holds)))
    } else if (command.op === 'adjust') {
      const id = (accounts[command.account] as Account).id
      position(id).balance += command.delta
      commits.push(ledger.adjust(id, command.delta, 'adjust'))
    }
    for (const [id, p] of model) assert.deepEqual(ledger.snapshot(id), p, `after ${JSON.stringify(command, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`)
  }
  await Promise.all(commits)
  assert.equal(ledger.liveHolds() - holdsBefore, live.length)
  assert.deepEqual(await ledger.verify(), { ok: true, mismatches: [] })
}
