/**
 * Sender congestion control, pure: how many packets may be in flight, how large each may be, and when to
 * wait. Window grows on every Fulfill (doubling per round trip until the first congestion signal, then by
 * about one packet per round trip) and halves on T02/T03/T04/T05 (interledger-rs: AIMD); at a window of one
 * packet it also waits with exponential backoff (ilp-protocol-stream congestion.ts: 100 ms × 2). F08 data sets the path's maximum packet amount
 * (protocol-notes §6.3: newMax = sent × max / received).
 */
import { decodeAmountTooLargeData } from '../ilp/errors.js'
import { CodecError } from '../oer/errors.js'
import { BACKOFF_INITIAL_MS, BACKOFF_MAX_MS } from './limits.js'

export interface CongestionState {
  /** Packets allowed in flight (fractional during congestion avoidance). */
  readonly window: number
  readonly windowMax: number
  readonly slowStart: boolean
  readonly backoffMs: number
  readonly backoffUntilMs: number
  /** The path's largest packet, once learned from F08 (source units). */
  readonly maxPacketAmount?: bigint
  /** A softer cap after T04 (liquidity): packets above it wait. Grows back on Fulfill. */
  readonly amountCap?: bigint
}

export function initialCongestion(windowMax: number, maxPacketAmount?: bigint): CongestionState {
  return { window: 1, windowMax, slowStart: true, backoffMs: BACKOFF_INITIAL_MS, backoffUntilMs: 0, ...(maxPacketAmount !== undefined && { maxPacketAmount }) }
}

export function packetsAllowed(c: CongestionState): number {
  return Math.max(1, Math.floor(c.window))
}

/** The largest packet the controller allows now (undefined: no limit known). */
export function packetAmountLimit(c: CongestionState): bigint | undefined {
  if (c.maxPacketAmount === undefined) return c.amountCap
  if (c.amountCap === undefined) return c.maxPacketAmount
  return c.amountCap < c.maxPacketAmount ? c.amountCap : c.maxPacketAmount
}

export function onFulfill(c: CongestionState, amount: bigint): CongestionState {
  const window = Math.min(c.windowMax, c.slowStart ? c.window + 1 : c.window + 1 / c.window)
  let amountCap = c.amountCap
  if (amountCap !== undefined && amount >= amountCap) amountCap = amountCap * 2n
  const { amountCap: _drop, ...rest } = c
  return { ...rest, window, backoffMs: BACKOFF_INITIAL_MS, ...(amountCap !== undefined && { amountCap }) }
}

/**
 * T-codes (and our own timeouts): halve the window (multiplicative decrease); only when it cannot shrink any
 * further, wait as well, with exponential backoff. Waiting on every T-error with many packets in flight would
 * stall the whole payment for one lost packet in many. T04 also shrinks the packet size by 1/3.
 */
export function onTemporaryReject(c: CongestionState, code: string, amount: bigint, nowMs: number): CongestionState {
  const atFloor = c.window < 2
  const next: CongestionState = {
    ...c,
    window: Math.max(1, c.window / 2),
    slowStart: false,
    ...(atFloor && { backoffUntilMs: nowMs + c.backoffMs, backoffMs: Math.min(BACKOFF_MAX_MS, c.backoffMs * 2) }),
  }
  if (code !== 'T04' || amount < 3n) return next
  const cap = (amount * 2n) / 3n
  return { ...next, amountCap: c.amountCap !== undefined && c.amountCap < cap ? c.amountCap : cap }
}

/**
 * F08 Amount Too Large. With data and received > max, the source-unit max is ⌊sent × max / received⌋;
 * without usable data, one less than what was sent. Returns the new state, or undefined if nothing above 0
 * can pass.
 */
export function onAmountTooLarge(c: CongestionState, sent: bigint, data: Uint8Array): CongestionState | undefined {
  let max = sent - 1n
  let exact = false
  try {
    const { receivedAmount, maximumAmount } = decodeAmountTooLargeData(data)
    if (receivedAmount > maximumAmount && receivedAmount > 0n) {
      max = (sent * maximumAmount) / receivedAmount
      exact = true
    }
  } catch (e) {
    if (!(e instanceof CodecError)) throw e
  }
  if (c.maxPacketAmount !== undefined && c.maxPacketAmount < max) max = c.maxPacketAmount
  if (max < 1n) return undefined
  if (exact) return { ...c, maxPacketAmount: max }
  // Without data only an upper bound is known: try half of what failed next (JS congestion.ts does the same),
  // instead of creeping down one unit per F08. Fulfills grow the soft cap back toward the bound.
  const half = sent / 2n > 0n ? sent / 2n : 1n
  return { ...c, maxPacketAmount: max, amountCap: c.amountCap !== undefined && c.amountCap < half ? c.amountCap : half }
}

export function isBackingOff(c: CongestionState, nowMs: number): boolean {
  return nowMs < c.backoffUntilMs
}
