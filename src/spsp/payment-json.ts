/**
 * The JSON form of a payment's progress and result, shared by the node's payments endpoint (admin API) and the
 * `ilp pay` command. Amounts are decimal strings (u64 does not fit a JSON number); the rate is the decimal text
 * of delivered/sent, for display only — the money path never reads it back.
 */
export interface PaymentProgress {
  /** Source units fulfilled so far (what the source account was debited). */
  readonly amountSent: bigint
  /** Destination units the receiver acknowledged. */
  readonly amountDelivered: bigint
  /** Source units in Prepares not yet answered. */
  readonly amountInFlight: bigint
  readonly packetsFulfilled: number
  readonly packetsRejected: number
  /** delivered / sent as an exact ratio, once known (probed or measured). */
  readonly exchangeRate?: { readonly num: bigint; readonly den: bigint }
}

export type PaymentTarget = { readonly kind: 'source'; readonly amount: bigint } | { readonly kind: 'delivery'; readonly amount: bigint }

export interface PaymentError {
  /** A stable code: an SpspError code, a STREAM error code, or an ILP reject code (`F02`…). */
  readonly code: string
  readonly message: string
}

export interface PaymentResult extends PaymentProgress {
  readonly status: 'completed' | 'failed'
  readonly target: PaymentTarget
  readonly sourceAccount: string
  readonly destination: string
  readonly destinationAccount?: string
  readonly endpoint?: string
  readonly finalEndpoint?: string
  readonly rejectsByCode: Readonly<Record<string, number>>
  readonly durationMs: number
  readonly error?: PaymentError
}

export interface PaymentProgressJson {
  readonly event: 'progress'
  readonly amount_sent: string
  readonly amount_delivered: string
  readonly amount_in_flight: string
  readonly packets_fulfilled: number
  readonly packets_rejected: number
  readonly exchange_rate?: string
}

export interface PaymentResultJson extends Omit<PaymentProgressJson, 'event'> {
  readonly event: 'result'
  readonly status: 'completed' | 'failed'
  readonly fixed_delivery: boolean
  readonly target_amount: string
  readonly source_account: string
  readonly destination: string
  readonly destination_account?: string
  readonly spsp_endpoint?: string
  readonly spsp_final_endpoint?: string
  readonly rejects_by_code: Readonly<Record<string, number>>
  readonly duration_ms: number
  readonly error?: PaymentError
}

/** Digits shown for an exchange rate. */
export const RATE_DISPLAY_DIGITS = 9

export function progressToJson(p: PaymentProgress): PaymentProgressJson {
  return {
    event: 'progress',
    amount_sent: p.amountSent.toString(),
    amount_delivered: p.amountDelivered.toString(),
    amount_in_flight: p.amountInFlight.toString(),
    packets_fulfilled: p.packetsFulfilled,
    packets_rejected: p.packetsRejected,
    ...(p.exchangeRate && { exchange_rate: formatRatio(p.exchangeRate.num, p.exchangeRate.den) }),
  }
}

export function resultToJson(r: PaymentResult): PaymentResultJson {
  const { event: _event, ...progress } = progressToJson(r)
  return {
    event: 'result',
    status: r.status,
    fixed_delivery: r.target.kind === 'delivery',
    target_amount: r.target.amount.toString(),
    ...progress,
    source_account: r.sourceAccount,
    destination: r.destination,
    ...(r.destinationAccount !== undefined && { destination_account: r.destinationAccount }),
    ...(r.endpoint !== undefined && { spsp_endpoint: r.endpoint }),
    ...(r.finalEndpoint !== undefined && { spsp_final_endpoint: r.finalEndpoint }),
    rejects_by_code: r.rejectsByCode,
    duration_ms: r.durationMs,
    ...(r.error && { error: r.error }),
  }
}

/** `num/den` as decimal text, rounded down to RATE_DISPLAY_DIGITS fraction digits, trailing zeros cut. */
export function formatRatio(num: bigint, den: bigint, digits = RATE_DISPLAY_DIGITS): string {
  if (den <= 0n) return 'n/a'
  const scale = 10n ** BigInt(digits)
  const scaled = (num * scale) / den
  const whole = scaled / scale
  const fraction = (scaled % scale).toString().padStart(digits, '0').replace(/0+$/, '')
  return fraction === '' ? whole.toString() : `${whole}.${fraction}`
}
