/**
 * Child process of ledger-crash.test.ts: commits transfers on a sqlite ledger as fast as it can and prints one
 * line per ACKNOWLEDGED (durable) commit: `<seq> <incoming amount> <outgoing amount>`. The parent kill -9s it.
 * stdout to a pipe is synchronous on Linux, so a printed line left the process before the kill.
 */
import { createSqliteLedger } from '../src/accounts/index.js'
import type { Account } from '../src/accounts/index.js'

/** Transfers kept in flight at once (many commits share each flush). */
const IN_FLIGHT = 200
/** The child stops by itself after this long, should the parent never kill it. */
const LIFETIME_MS = 20_000

const [path, writer = 'worker'] = process.argv.slice(2)
if (path === undefined || (writer !== 'worker' && writer !== 'inline')) throw new Error('usage: ledger-crash-child <db path> [worker|inline]')
const ledger = createSqliteLedger({ path, writer })
const base = { relation: 'peer', assetCode: 'USD', assetScale: 9 } as const
const from: Account = { ...base, id: 'from', minBalance: -(10n ** 30n) }
const to: Account = { ...base, id: 'to' }
let n = 0n

async function transferLoop(): Promise<void> {
  for (;;) {
    n += 1n
    const amount = 1n + (n % 97n)
    const incoming = ledger.reserveIncoming(from, amount)
    const outgoing = ledger.reserveOutgoing(to, amount - amount / 10n)
    if (!incoming.ok || !outgoing.ok) throw new Error('reserve refused')
    if (n % 13n === 0n) {
      // A rejected packet: released, never journaled.
      ledger.release(incoming.hold)
      ledger.release(outgoing.hold)
      await new Promise((resolve) => setImmediate(resolve))
      continue
    }
    const entry = await ledger.commit([incoming.hold, outgoing.hold])
    process.stdout.write(`${entry.seq} ${incoming.hold.amount} ${outgoing.hold.amount}\n`)
  }
}

setTimeout(() => process.exit(3), LIFETIME_MS).unref()
process.stdout.write('ready\n')
for (let i = 0; i < IN_FLIGHT; i++) void transferLoop()
