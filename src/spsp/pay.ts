/**
 * `payToPointer({ destination, amount, ... })`: one payment to a payment pointer or SPSP URL. It queries the
 * SPSP endpoint (client.ts), then runs the STREAM sender (src/stream `pay`) over the given link or
 * `sendPrepare`. Every ending is a result value: an SPSP failure is a failed result with the SpspError code.
 * (Named apart from the STREAM layer's `pay`, which takes credentials instead of a pointer.)
 */
import { pay, type PayOptions, type PayResult } from '../stream/index.js'
import { isSpspError } from './errors.js'
import { querySpsp, type SpspQueryOptions, type SpspResponse } from './client.js'
import type { PaymentResult } from './payment-json.js'

export interface PayToPointerOptions extends Omit<PayOptions, 'destinationAccount' | 'sharedSecret'> {
  /** A payment pointer (`$example.com/bob`) or SPSP URL. */
  readonly destination: string
  /** Accept plain http to a non-loopback SPSP host. */
  readonly allowHttp?: boolean
  readonly spspTimeoutMs?: number
  /** Options for the SPSP query (e.g. an undici dispatcher). */
  readonly spsp?: Omit<SpspQueryOptions, 'signal' | 'allowHttp' | 'timeoutMs'>
}

export interface PayToPointerResult extends PayResult {
  readonly destination: string
  readonly destinationAccount?: string
  /** The SPSP endpoint the pointer resolved to, and the one that answered (RFC 26: show both hosts). */
  readonly endpoint?: string
  readonly finalEndpoint?: string
}

export async function payToPointer(options: PayToPointerOptions): Promise<PayToPointerResult> {
  const now = options.now ?? Date.now
  const startMs = now()
  const { destination, allowHttp, spspTimeoutMs, spsp: spspOptions, ...payOptions } = options
  let answer: SpspResponse
  try {
    answer = await querySpsp(destination, {
      ...spspOptions,
      ...(allowHttp !== undefined && { allowHttp }),
      ...(spspTimeoutMs !== undefined && { timeoutMs: spspTimeoutMs }),
      ...(options.signal && { signal: options.signal }),
    })
  } catch (err) {
    if (!isSpspError(err)) throw err
    return failedBeforeSending(options, { code: err.code, message: err.message }, now() - startMs)
  }
  const result = await pay({ ...payOptions, destinationAccount: answer.destinationAccount, sharedSecret: answer.sharedSecret })
  return {
    ...result,
    destination,
    destinationAccount: answer.destinationAccount,
    endpoint: answer.endpoint.href,
    finalEndpoint: answer.finalEndpoint.href,
    durationMs: now() - startMs,
  }
}

function failedBeforeSending(options: PayToPointerOptions, error: { code: string; message: string }, durationMs: number): PayToPointerResult {
  const target = options.fixedDelivery !== undefined ? { kind: 'delivery' as const, amount: options.fixedDelivery } : { kind: 'source' as const, amount: options.amount ?? 0n }
  return {
    status: 'failed',
    target,
    error,
    destination: options.destination,
    amountSent: 0n,
    amountDelivered: 0n,
    amountInFlight: 0n,
    packetsFulfilled: 0,
    packetsRejected: 0,
    rejectsByCode: {},
    durationMs,
  }
}

/** The node-facing form of a result (payment-json.ts), for the admin API and `ilp pay`. */
export function toPaymentResult(sourceAccount: string, r: PayToPointerResult): PaymentResult {
  return {
    status: r.status,
    target: r.target,
    sourceAccount,
    destination: r.destination,
    ...(r.destinationAccount !== undefined && { destinationAccount: r.destinationAccount }),
    ...(r.endpoint !== undefined && { endpoint: r.endpoint }),
    ...(r.finalEndpoint !== undefined && { finalEndpoint: r.finalEndpoint }),
    amountSent: r.amountSent,
    amountDelivered: r.amountDelivered,
    amountInFlight: r.amountInFlight,
    packetsFulfilled: r.packetsFulfilled,
    packetsRejected: r.packetsRejected,
    ...(r.exchangeRate && { exchangeRate: { num: r.exchangeRate.num, den: r.exchangeRate.den } }),
    rejectsByCode: r.rejectsByCode,
    durationMs: r.durationMs,
    ...(r.error && { error: r.error }),
  }
}

/**
 * The package root's `pay`: with `destination` (a payment pointer or SPSP URL) it queries SPSP first
 * (payToPointer); with `destinationAccount` and `sharedSecret` it runs the STREAM sender directly.
 */
export function payAny(options: PayToPointerOptions): Promise<PayToPointerResult>
export function payAny(options: PayOptions): Promise<PayResult>
export function payAny(options: PayToPointerOptions | PayOptions): Promise<PayResult | PayToPointerResult> {
  return 'destination' in options && typeof options.destination === 'string' ? payToPointer(options) : pay(options as PayOptions)
}
