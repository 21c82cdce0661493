/**
 * The state of one outgoing payment and the pure decisions over it: what the next packet is, and whether
 * the payment is finished. The loop in sender.ts applies them.
 */
import { Ratio } from '../money/ratio.js'
import { packetAmountLimit, type CongestionState } from './congestion.js'
import { FrameType, type Frame, type StreamMaxMoneyFrame } from './frames.js'
import { DEFAULT_PAY_IDLE_TIMEOUT_MS } from './limits.js'
import { decodeReceipt } from './receipt.js'
import { CodecError } from '../oer/errors.js'
import { dataDone, raiseRemoteConnectionMax, raiseRemoteMax, type Chunk, type DataSendState } from './data-send.js'
import type { StreamPacket } from './packet.js'
import type { PacketContext } from './send-packet.js'
import { noteStreamsReply, streamsDataDone, streamsRoom, type StreamChunk, type StreamShare, type StreamsState } from './streams-send.js'

/** The stream every payment's money travels on (client streams are odd, RFC 29 §"Stream IDs"). */
export const PAYMENT_STREAM_ID = 1n

/** What the sender's loop and the probe share. */
export interface PayLoop {
  readonly ctx: PacketContext
  readonly s: PaymentState
  readonly options: LoopOptions
  readonly now: () => number
  readonly nextSequence: () => bigint | undefined
  readonly startMs: number
  /** Tells the caller about progress (after each packet settles). */
  readonly report: () => void
}

/** The caller's options the loop reads (a subset of PayOptions). */
export interface LoopOptions {
  readonly destinationAccount: string
  readonly sourceAddress?: string
  readonly sourceAssetCode?: string
  readonly sourceAssetScale?: number
  readonly signal?: AbortSignal
  readonly timeoutMs?: number
  readonly idleTimeoutMs?: number
}


export type PayTarget = { readonly kind: 'source'; readonly amount: bigint } | { readonly kind: 'delivery'; readonly amount: bigint }

export interface PayError {
  /** A stable code: a `STREAM_*` code below, or the ILP code of a final Reject (`F02`, …). */
  readonly code: string
  readonly message: string
}

export const PayErrorCode = {
  RATE_PROBE_FAILED: 'STREAM_RATE_PROBE_FAILED',
  RATE_TOO_LOW: 'STREAM_RATE_TOO_LOW',
  RECEIVER_CLOSED: 'STREAM_CLOSED_BY_RECEIVER',
  RECEIVER_LIMIT: 'STREAM_RECEIVER_LIMIT',
  IDLE_TIMEOUT: 'STREAM_IDLE_TIMEOUT',
  TIMEOUT: 'STREAM_TIMEOUT',
  ABORTED: 'STREAM_ABORTED',
  SEQUENCE_EXHAUSTED: 'STREAM_SEQUENCE_EXHAUSTED',
  CANNOT_SEND: 'STREAM_CANNOT_SEND',
} as const

export interface InFlight {
  readonly amount: bigint
  readonly minDelivery: bigint
  /** Bytes of the payment stream's data this packet carries. */
  readonly chunk?: Chunk
  /** Several streams (`pay({ streams })`): the source units meant for each stream, and a chunk of one's data. */
  readonly shares?: readonly StreamShare[]
  readonly streamChunk?: StreamChunk
  readonly limitRequests?: readonly number[]
}

export interface PaymentState {
  readonly target: PayTarget
  /** Destination units per source unit, from the probe; a lower bound in practice (connectors round down). */
  rate?: Ratio
  /** rate × (1 − slippage), raised to the caller's minimum rate if one was given. */
  minRate?: Ratio
  sent: bigint
  delivered: bigint
  readonly inFlight: InFlightPackets
  packetsFulfilled: number
  packetsRejected: number
  readonly rejectsByCode: Record<string, number>
  congestion: CongestionState
  /** Room left under the receiver's StreamMaxMoney, when it told us (destination units). */
  remoteRoom?: bigint
  rateFailures: number
  remoteKnowsUs: boolean
  destinationAsset?: { readonly code: string; readonly scale: number }
  lastFulfillMs: number
  error?: PayError
  /** Bytes to deliver on the payment stream, if the caller gave any. */
  data?: DataSendState
  /** The receiver's latest RFC 39 receipt for the payment stream (highest total), to pass to a verifier. */
  receipt?: { readonly bytes: Uint8Array; readonly totalReceived: bigint }
  /** The streams of a multi-stream payment (absent: everything rides on PAYMENT_STREAM_ID). */
  streams?: StreamsState
}

/**
 * The packets in flight by sequence, with running sums of their amounts: planning reads the sums once per
 * packet, which used to be a walk over the whole window (100 packets) each time.
 */
export class InFlightPackets {
  private readonly bySequence = new Map<bigint, InFlight>()
  private amountSum = 0n
  private minDeliverySum = 0n

  constructor(entries: Iterable<readonly [bigint, InFlight]> = []) {
    for (const [sequence, packet] of entries) this.set(sequence, packet)
  }

  get size(): number {
    return this.bySequence.size
  }

  /** Σ amount (source units). */
  get amount(): bigint {
    return this.amountSum
  }

  /** Σ minDelivery (destination units). */
  get minDelivery(): bigint {
    return this.minDeliverySum
  }

  set(sequence: bigint, packet: InFlight): void {
    if (this.bySequence.has(sequence)) throw new Error(`sequence ${sequence} is already in flight`)
    this.bySequence.set(sequence, packet)
    this.amountSum += packet.amount
    this.minDeliverySum += packet.minDelivery
  }

  delete(sequence: bigint): void {
    const packet = this.bySequence.get(sequence)
    if (packet === undefined) return
    this.bySequence.delete(sequence)
    this.amountSum -= packet.amount
    this.minDeliverySum -= packet.minDelivery
  }

  values(): IterableIterator<InFlight> {
    return this.bySequence.values()
  }
}

export function amountInFlight(s: PaymentState): bigint {
  return s.inFlight.amount
}

function deliveryInFlight(s: PaymentState): bigint {
  return s.inFlight.minDelivery
}

/**
 * The rate fixed-delivery packets are sized at: what fulfilled packets actually delivered per unit sent once
 * there are some (it folds in every hop's rounding), else the probed rate; never below the minimum rate.
 */
function deliveryRateEstimate(s: PaymentState, minRate: Ratio): Ratio {
  const seen = s.sent > 0n && s.delivered > 0n ? Ratio.from(s.delivered, s.sent) : s.rate
  return seen !== undefined && seen.compare(minRate) > 0 ? seen : minRate
}

/** What packets in flight should deliver at the probed rate (planning only; minDelivery is the floor). */
function expectedDeliveryInFlight(s: PaymentState, rate: Ratio): bigint {
  let total = 0n
  for (const p of s.inFlight.values()) {
    const expected = floorMul(p.amount, rate)
    total += expected > p.minDelivery ? expected : p.minDelivery
  }
  return total
}

export function moneyComplete(s: PaymentState): boolean {
  return s.target.kind === 'source' ? s.sent >= s.target.amount : s.delivered >= s.target.amount
}

/** The money target is met and every byte of data (if any) acknowledged. */
export function isComplete(s: PaymentState): boolean {
  return moneyComplete(s) && dataDone(s.data) && streamsDataDone(s.streams)
}

/** ⌊amount × r⌋ and ⌈amount / r⌉ with exact bigints. */
const floorMul = (amount: bigint, r: Ratio): bigint => (amount * r.num) / r.den
const ceilDiv = (amount: bigint, r: Ratio): bigint => (amount * r.den + r.num - 1n) / r.num

/**
 * The next packet to send, or undefined when nothing more should go out now (target covered by what is in
 * flight, or a limit reached). Pure.
 */
export function planPacket(s: PaymentState): { amount: bigint; minDelivery: bigint } | undefined {
  const minRate = s.minRate
  if (minRate === undefined || s.error) return undefined
  let amount: bigint
  let deliveryNeeded: bigint | undefined
  if (s.target.kind === 'source') {
    amount = s.target.amount - s.sent - amountInFlight(s)
  } else {
    // Fixed delivery aims at the probed rate, so that the receiver gets the amount asked for, not up to the
    // slippage more. A packet that would then be sure of nothing (its minimum at the slippage-adjusted rate
    // rounds to 0: the last few units) is sized from the minimum rate instead, so it still makes progress.
    const estimate = deliveryRateEstimate(s, minRate)
    deliveryNeeded = s.target.amount - s.delivered - expectedDeliveryInFlight(s, estimate)
    if (deliveryNeeded <= 0n) return undefined
    amount = estimate.isZero() ? 0n : ceilDiv(deliveryNeeded, estimate)
    if (floorMul(amount, minRate) === 0n && !minRate.isZero()) amount = ceilDiv(deliveryNeeded, minRate)
  }
  const limit = packetAmountLimit(s.congestion)
  if (limit !== undefined && amount > limit) amount = limit
  if (s.streams?.splitsMoney) {
    const room = streamsRoom(s.streams, s.rate)
    if (amount > room) amount = room
  }
  if (s.remoteRoom !== undefined && s.rate !== undefined && !s.rate.isZero()) {
    const room = s.remoteRoom - deliveryInFlight(s)
    const roomAmount = room <= 0n ? 0n : floorMul(room, s.rate.inverse())
    if (amount > roomAmount) amount = roomAmount
  }
  if (amount <= 0n) return undefined
  let minDelivery = floorMul(amount, minRate)
  // Fixed delivery needs progress it can count on: a packet whose minimum is 0 might deliver nothing forever.
  if (deliveryNeeded !== undefined && minDelivery === 0n) return undefined
  if (deliveryNeeded !== undefined && minDelivery > deliveryNeeded) minDelivery = deliveryNeeded
  return { amount, minDelivery }
}

/** Why no packet can be planned when nothing is in flight: the error the payment ends with. */
export function stuckError(s: PaymentState): PayError {
  const room = s.remoteRoom
  if (room !== undefined && (room === 0n || (s.rate !== undefined && !s.rate.isZero() && floorMul(room, s.rate.inverse()) === 0n))) {
    return { code: PayErrorCode.RECEIVER_LIMIT, message: 'the receiver accepts no more money on this stream' }
  }
  if (s.target.kind === 'delivery' && s.minRate !== undefined) {
    return { code: PayErrorCode.RATE_TOO_LOW, message: 'at this rate and maximum packet amount no packet is sure to deliver anything' }
  }
  return { code: PayErrorCode.CANNOT_SEND, message: 'no packet can be sent within the current limits' }
}

/** Frames every packet carries until the receiver has answered us once authentically. */
export function setupFrames(s: PaymentState, options: LoopOptions): Frame[] {
  if (s.remoteKnowsUs) return []
  const frames: Frame[] = []
  // Without an address of our own, an empty ConnectionNewAddress still asks JS receivers (ilp-protocol-stream
  // ≥ 2.5, @interledger/stream-receiver) for their asset details, and gives them no address to send to. Rust and
  // older receivers use 24-character tokens and refuse an empty address (F02), so they get none.
  if (options.sourceAddress !== undefined) frames.push({ type: FrameType.ConnectionNewAddress, sourceAccount: options.sourceAddress })
  else if (lastSegment(options.destinationAccount).length !== 24) frames.push({ type: FrameType.ConnectionNewAddress, sourceAccount: '' })
  if (options.sourceAssetCode !== undefined && options.sourceAssetScale !== undefined) {
    frames.push({ type: FrameType.ConnectionAssetDetails, sourceAssetCode: options.sourceAssetCode, sourceAssetScale: options.sourceAssetScale })
  }
  return frames
}

/** Learns what an authentic reply says about the receiver: its asset, its room on our stream. */
export function noteReply(s: PaymentState, reply: StreamPacket): void {
  s.remoteKnowsUs = true
  for (const f of reply.frames) {
    if (f.type === FrameType.ConnectionAssetDetails && s.destinationAsset === undefined) s.destinationAsset = { code: f.sourceAssetCode, scale: f.sourceAssetScale }
    // Money split over several streams is bounded per stream (streams-send.ts), not by stream 1's room alone.
    if (f.type === FrameType.StreamMaxMoney && f.streamId === PAYMENT_STREAM_ID && !s.streams?.splitsMoney) s.remoteRoom = roomOf(f)
    if (f.type === FrameType.StreamReceipt && f.streamId === PAYMENT_STREAM_ID) noteReceipt(s, f.receipt)
    if (s.data && f.type === FrameType.StreamMaxData && f.streamId === PAYMENT_STREAM_ID) raiseRemoteMax(s.data, f.maxOffset)
    if (s.data && f.type === FrameType.ConnectionMaxData) raiseRemoteConnectionMax(s.data, f.maxOffset)
  }
  if (s.streams) noteStreamsReply(s.streams, reply)
}

function roomOf(f: StreamMaxMoneyFrame): bigint {
  return f.receiveMax > f.totalReceived ? f.receiveMax - f.totalReceived : 0n
}


/** Why the payment must stop now, if it must (abort, overall timeout, idle timeout). */
export function stopReason(loop: PayLoop): PayError | undefined {
  const { options, now, s, startMs } = loop
  const t = now()
  if (options.signal?.aborted) return { code: PayErrorCode.ABORTED, message: 'payment aborted' }
  if (options.timeoutMs !== undefined && t - startMs >= options.timeoutMs) return { code: PayErrorCode.TIMEOUT, message: `payment timed out after ${options.timeoutMs} ms` }
  const idle = options.idleTimeoutMs ?? DEFAULT_PAY_IDLE_TIMEOUT_MS
  if (t - s.lastFulfillMs >= idle) return { code: PayErrorCode.IDLE_TIMEOUT, message: `nothing fulfilled for ${idle} ms` }
  return undefined
}


function lastSegment(address: string): string {
  return address.slice(address.lastIndexOf('.') + 1)
}

/** Keeps the receipt with the highest total (replies can arrive out of order); malformed ones are ignored. */
function noteReceipt(s: PaymentState, bytes: Uint8Array): void {
  let totalReceived: bigint
  try {
    totalReceived = decodeReceipt(bytes).totalReceived
  } catch (e) {
    if (e instanceof CodecError) return
    throw e
  }
  if (s.receipt === undefined || totalReceived > s.receipt.totalReceived) s.receipt = { bytes: new Uint8Array(bytes), totalReceived }
}
