/**
 * `ilp receive [ACCOUNT]`: prints where to pay a local account of a running node (payment pointer and SPSP URL)
 * and a live counter of the money its STREAM receiver has taken in since this command started.
 */
import type { Command } from 'commander'
import { request } from 'undici'
import { adminFailure, adminHeaders, adminTarget, DEFAULT_ADMIN_URL, type AdminTarget } from './pay.js'
import type { ReceiverJson } from '../spsp/payments-api.js'

/** How often the counter asks the node (the admin API answers from memory). */
export const RECEIVE_POLL_INTERVAL_MS = 250

interface ReceiveOptions {
  admin?: string
  token?: string
  once?: boolean
  until?: string
}

export function register(program: Command): void {
  program
    .command('receive')
    .description('show the payment pointer of a local account and count the money it receives')
    .argument('[account]', 'local account (default: the node\'s default receiver, or its only local account)')
    .option('--admin <url>', `admin API of the node (default $ILP_ADMIN_URL or ${DEFAULT_ADMIN_URL})`)
    .option('--token <token>', 'admin bearer token (default $ILP_ADMIN_TOKEN)')
    .option('--once', 'print the pointer and the total received so far, then exit')
    .option('--until <amount>', 'exit 0 once this much more has been received (smallest units)')
    .action(async (account: string | undefined, opts: ReceiveOptions) => {
      process.exitCode = await runReceive(account, opts)
    })
}

export async function runReceive(account: string | undefined, opts: ReceiveOptions): Promise<number> {
  if (opts.until !== undefined && !/^\d{1,20}$/.test(opts.until)) {
    process.stderr.write(`ilp receive: --until must be a non-negative integer, got "${opts.until}"\n`)
    return 2
  }
  const target = adminTarget(opts)
  let receiver: ReceiverJson
  try {
    receiver = await findReceiver(target, account)
  } catch (err) {
    process.stderr.write(`ilp receive: ${(err as Error).message}\n`)
    return 1
  }
  const start = BigInt(receiver.amount_received)
  process.stdout.write(
    `Receiving for account ${receiver.account} (${receiver.asset_code}, scale ${receiver.asset_scale})\n` +
      (receiver.payment_pointer ? `  payment pointer  ${receiver.payment_pointer}\n` : '') +
      `  SPSP URL         ${receiver.spsp_url ?? '(none: the node serves SPSP on its HTTP listener; set http.listen)'}\n`,
  )
  if (opts.once === true) {
    process.stdout.write(`  received so far  ${receiver.amount_received}\n`)
    return 0
  }
  const until = opts.until === undefined ? undefined : BigInt(opts.until)
  return watch(target, receiver.account, start, until)
}

async function watch(target: AdminTarget, account: string, start: bigint, until: bigint | undefined): Promise<number> {
  const tty = process.stdout.isTTY
  let last = -1n
  for (;;) {
    let now: ReceiverJson
    try {
      now = await getJson<ReceiverJson>(target, `/receivers/${encodeURIComponent(account)}`)
    } catch (err) {
      process.stderr.write(`\nilp receive: ${(err as Error).message}\n`)
      return 1
    }
    const received = BigInt(now.amount_received) - start
    if (received !== last) {
      const line = `received ${received} (${now.connections} connection${now.connections === 1 ? '' : 's'})`
      process.stdout.write(tty ? `\r${line}\x1b[K` : `${line}\n`)
      last = received
    }
    if (until !== undefined && received >= until) {
      if (tty) process.stdout.write('\n')
      return 0
    }
    await new Promise((resolve) => setTimeout(resolve, RECEIVE_POLL_INTERVAL_MS))
  }
}

async function findReceiver(target: AdminTarget, account: string | undefined): Promise<ReceiverJson> {
  if (account !== undefined) return getJson<ReceiverJson>(target, `/receivers/${encodeURIComponent(account)}`)
  const all = await getJson<ReceiverJson[]>(target, '/receivers')
  const chosen = all.find((r) => r.default) ?? (all.length === 1 ? all[0] : undefined)
  if (chosen !== undefined) return chosen
  if (all.length === 0) throw new Error('the node has no local account (an account with no btp or http link)')
  throw new Error(`name one account: ${all.map((r) => r.account).join(', ')}`)
}

async function getJson<T>(target: AdminTarget, path: string): Promise<T> {
  let response
  try {
    response = await request(`${target.url}${path}`, { headers: adminHeaders(target, { accept: 'application/json' }) })
  } catch (err) {
    throw new Error(`cannot reach the node's admin API at ${target.url}: ${(err as Error).message}`)
  }
  if (response.statusCode !== 200) throw new Error(await adminFailure(response.statusCode, response.body))
  return (await response.body.json()) as T
}
