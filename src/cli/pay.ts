/**
 * `ilp pay <pointer-or-url> <amount> --from ACCOUNT`: a payment from a local account of a running node. The
 * payment runs inside the node (POST /accounts/:id/payments on the admin API), so the money debits the account
 * through the node's own pipeline; this command streams its progress (NDJSON), draws a progress bar on a TTY
 * and prints a summary. Exit code 0 only when the whole amount was delivered.
 */
import type { Command } from 'commander'
import { request } from 'undici'
import { formatRatio, type PaymentProgressJson, type PaymentResultJson } from '../spsp/payment-json.js'
import { DEFAULT_ADMIN_URL } from './admin-client.js'

export { DEFAULT_ADMIN_URL }
/** Characters of the progress bar (the node sends progress at most every 100 ms). */
const BAR_WIDTH = 30
/** NDJSON lines longer than this are not ours: a bound on what we buffer. */
const LINE_MAX_BYTES = 1024 * 1024

export interface AdminTarget {
  readonly url: string
  readonly token: string | undefined
}

/** `--admin` / `--token`, else ILP_ADMIN_URL / ILP_ADMIN_TOKEN, else the default local admin listener. */
export function adminTarget(opts: { admin?: string; token?: string }): AdminTarget {
  return { url: (opts.admin ?? process.env.ILP_ADMIN_URL ?? DEFAULT_ADMIN_URL).replace(/\/+$/, ''), token: opts.token ?? process.env.ILP_ADMIN_TOKEN }
}

export function adminHeaders(target: AdminTarget, extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, ...(target.token !== undefined && { authorization: `Bearer ${target.token}` }) }
}

/** A one-line message for a non-2xx admin answer (problem+json `detail`/`title`, else the status). */
export async function adminFailure(statusCode: number, body: { text(): Promise<string> }): Promise<string> {
  const text = await body.text().catch(() => '')
  try {
    const problem = JSON.parse(text) as { detail?: unknown; title?: unknown }
    const detail = typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : undefined
    if (detail !== undefined) return `admin API answered ${statusCode}: ${detail}`
  } catch {
    // not JSON
  }
  return `admin API answered ${statusCode}${text ? `: ${text.slice(0, 200)}` : ''}`
}

interface PayOptions {
  from: string
  fixedDelivery?: boolean
  allowHttp?: boolean
  admin?: string
  token?: string
  json?: boolean
}

export function register(program: Command): void {
  program
    .command('pay')
    .description('send a payment from a local account of a running node to a payment pointer or SPSP URL')
    .argument('<destination>', 'payment pointer ($example.com/bob) or SPSP URL')
    .argument('<amount>', "integer amount in the source account's smallest units (with --fixed-delivery: the receiver's)")
    .requiredOption('--from <account>', 'local account of the node to debit')
    .option('--fixed-delivery', 'deliver exactly <amount> to the receiver instead of sending exactly <amount>')
    .option('--allow-http', 'accept a plain http SPSP URL to a non-loopback host')
    .option('--admin <url>', `admin API of the node (default $ILP_ADMIN_URL or ${DEFAULT_ADMIN_URL})`)
    .option('--token <token>', 'admin bearer token (default $ILP_ADMIN_TOKEN)')
    .option('--json', 'print the final result as JSON')
    .action(async (destination: string, amount: string, opts: PayOptions) => {
      process.exitCode = await runPay(destination, amount, opts)
    })
}

export async function runPay(destination: string, amount: string, opts: PayOptions): Promise<number> {
  if (!/^\d{1,20}$/.test(amount) || BigInt(amount) === 0n || BigInt(amount) > 0xffff_ffff_ffff_ffffn) {
    process.stderr.write(`ilp pay: amount must be a positive integer of at most 2^64-1 (smallest units), got "${amount}"\n`)
    return 2
  }
  const target = adminTarget(opts)
  const url = `${target.url}/accounts/${encodeURIComponent(opts.from)}/payments`
  const body = JSON.stringify({ destination, amount, fixed_delivery: opts.fixedDelivery === true, allow_http: opts.allowHttp === true })
  let response
  try {
    response = await request(url, { method: 'POST', body, headers: adminHeaders(target, { 'content-type': 'application/json', accept: 'application/x-ndjson' }) })
  } catch (err) {
    process.stderr.write(`ilp pay: cannot reach the node's admin API at ${target.url}: ${(err as Error).message}\n`)
    return 1
  }
  if (response.statusCode < 200 || response.statusCode > 299) {
    process.stderr.write(`ilp pay: ${await adminFailure(response.statusCode, response.body)}\n`)
    return 1
  }
  const bar = process.stderr.isTTY && opts.json !== true ? createBar(BigInt(amount), opts.fixedDelivery === true) : undefined
  let result: PaymentResultJson | undefined
  for await (const line of ndjsonLines(response.body)) {
    const event = JSON.parse(line) as PaymentProgressJson | PaymentResultJson | { event: 'error'; message: string }
    if (event.event === 'progress') bar?.draw(event)
    else if (event.event === 'result') result = event
    else {
      bar?.done()
      process.stderr.write(`ilp pay: the node failed the payment: ${event.message}\n`)
      return 1
    }
  }
  if (result !== undefined) bar?.draw({ ...result, event: 'progress' })
  bar?.done()
  if (result === undefined) {
    process.stderr.write('ilp pay: the node closed the stream without a result; check the account balance before retrying\n')
    return 1
  }
  process.stdout.write(opts.json === true ? `${JSON.stringify(result, null, 2)}\n` : summary(result))
  return result.status === 'completed' ? 0 : 1
}

/** Splits a byte stream into lines (NDJSON), bounding each line. */
export async function* ndjsonLines(body: AsyncIterable<Buffer | Uint8Array>): AsyncGenerator<string> {
  let pending = ''
  for await (const chunk of body) {
    pending += Buffer.from(chunk).toString('utf8')
    let newline: number
    while ((newline = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, newline).trim()
      pending = pending.slice(newline + 1)
      if (line !== '') yield line
    }
    if (pending.length > LINE_MAX_BYTES) throw new Error('NDJSON line too long')
  }
  if (pending.trim() !== '') yield pending.trim()
}

export function summary(r: PaymentResultJson): string {
  const lines = [
    r.status === 'completed' ? 'Payment completed' : `Payment FAILED${r.error ? `: ${r.error.code} ${r.error.message}` : ''}`,
    `  from        ${r.source_account}`,
    `  to          ${r.destination}${r.destination_account ? ` (${r.destination_account})` : ''}`,
  ]
  if (r.spsp_endpoint !== undefined) {
    const endpointHost = new URL(r.spsp_endpoint).host
    const finalHost = r.spsp_final_endpoint ? new URL(r.spsp_final_endpoint).host : endpointHost
    // RFC 26: let the sender verify both the resolved and the final host.
    lines.push(`  receiver    ${endpointHost}${finalHost !== endpointHost ? ` (redirected to ${finalHost})` : ''}`)
  }
  lines.push(
    `  ${r.fixed_delivery ? 'to deliver' : 'to send   '}  ${r.target_amount}`,
    `  sent        ${r.amount_sent}`,
    `  delivered   ${r.amount_delivered}`,
    `  rate        ${r.exchange_rate ?? 'n/a'}`,
    `  packets     ${r.packets_fulfilled} fulfilled, ${r.packets_rejected} rejected${rejectCodes(r.rejects_by_code)}`,
    `  time        ${(r.duration_ms / 1000).toFixed(2)} s`,
  )
  return `${lines.join('\n')}\n`
}

function rejectCodes(byCode: Readonly<Record<string, number>>): string {
  const entries = Object.entries(byCode)
  return entries.length === 0 ? '' : ` (${entries.map(([code, n]) => `${code}×${n}`).join(', ')})`
}

/** A one-line bar on stderr, redrawn in place. */
function createBar(targetAmount: bigint, fixedDelivery: boolean): { draw(p: PaymentProgressJson): void; done(): void } {
  let drawn = false
  return {
    draw(p) {
      const done = BigInt(fixedDelivery ? p.amount_delivered : p.amount_sent)
      const permille = targetAmount === 0n ? 1000n : (done * 1000n) / targetAmount
      const filled = Number((permille * BigInt(BAR_WIDTH)) / 1000n)
      const bar = `${'#'.repeat(Math.min(filled, BAR_WIDTH))}${'.'.repeat(Math.max(BAR_WIDTH - filled, 0))}`
      const rate = p.exchange_rate ?? 'n/a'
      process.stderr.write(
        `\r[${bar}] ${formatRatio(permille, 10n, 1)}%  sent ${p.amount_sent}  delivered ${p.amount_delivered}  rate ${rate}  packets ${p.packets_fulfilled} ok, ${p.packets_rejected} rejected\x1b[K`,
      )
      drawn = true
    },
    done() {
      if (drawn) process.stderr.write('\n')
    },
  }
}
