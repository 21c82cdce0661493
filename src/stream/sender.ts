/**
 * The STREAM sender: `pay()` delivers one payment over a new connection (RFC 29 §"Sending"). It probes the
 * exchange rate with unfulfillable packets, then keeps up to a congestion window of packets in flight, each
 * carrying a minimum acceptable amount (rate × (1 − slippage)), until the source amount is sent or the
 * destination amount delivered; then it closes the connection. Every ending is a result value, never a throw.
 */
import { IlpErrorCode } from '../ilp/errors.js'
import type { Link } from '../link/types.js'
import { Ratio } from '../money/ratio.js'
import { deriveStreamKeys } from './crypto.js'
import { createReplyDeadlines, followSignal } from './reply-deadlines.js'
import { FrameType, StreamErrorCode, type Frame } from './frames.js'
import { sendStreamPacket, type PacketContext, type SendPrepare } from './send-packet.js'
import { initialCongestion, isBackingOff, packetsAllowed } from './congestion.js'
import {
  amountInFlight,
  InFlightPackets,
  isComplete,
  moneyComplete,
  planPacket,
  setupFrames,
  PAYMENT_STREAM_ID,
  PayErrorCode,
  stopReason,
  stuckError,
  type InFlight,
  type PayError,
  type PayLoop,
  type PaymentState,
  type PayTarget,
} from './payment.js'
import { probeRate } from './probe.js'
import { settle } from './settle.js'
import { chunkFrame, chunkReady, newDataSend, takeChunk } from './data-send.js'
import {
  allocate,
  closeFrames,
  moneyFrames,
  newStreams,
  limitRequestFrames,
  nextRefreshMs,
  streamResults,
  streamsChunkReady,
  streamsDataDone,
  takeStreamChunk,
  type PayStream,
  type PayStreamResult,
} from './streams-send.js'
import { createIncomingHandler, type StreamIncomingHandler, type IncomingOptions } from './sender-incoming.js'
import type { DataReceived, MoneyReceived } from './receive.js'
import {
  CLOSE_TIMEOUT_MS,
  DEFAULT_EXPIRY_WINDOW_MS,
  DEFAULT_PACKETS_IN_FLIGHT_MAX,
  DEFAULT_SLIPPAGE,
  SEQUENCE_MAX,
} from './limits.js'

export interface PayOptions {
  readonly destinationAccount: string
  readonly sharedSecret: Uint8Array
  /** How Prepares leave: a function, or a Link's `send`. One of the two. */
  readonly sendPrepare?: SendPrepare
  readonly link?: Pick<Link, 'send'>
  /** Fixed source amount (source units). Exactly one of `amount` and `fixedDelivery`. */
  readonly amount?: bigint
  /** Fixed delivery: destination units the receiver must get. */
  readonly fixedDelivery?: bigint
  /** Accepted loss against the probed rate: a Ratio, or decimal text/number parsed exactly (default 0.01). */
  readonly slippage?: Ratio | string | number
  /** Destination units per source unit below which no packet may deliver. */
  readonly minExchangeRate?: Ratio
  /** Our address, sent as ConnectionNewAddress (lets the receiver reach us). */
  readonly sourceAddress?: string
  readonly sourceAssetCode?: string
  readonly sourceAssetScale?: number
  /** A maximum packet amount already known for the path. */
  readonly maxPacketAmount?: bigint
  readonly packetsInFlightMax?: number
  readonly expiryWindowMs?: number
  /** Stop when nothing was fulfilled for this long. */
  readonly idleTimeoutMs?: number
  /** Stop after this long in total. */
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
  readonly now?: () => number
  readonly onProgress?: (progress: PayProgress) => void
  /** Bytes to deliver in order on the payment stream with the money (StreamData); done when all are acknowledged. */
  readonly data?: Uint8Array
  /**
   * Several streams (client stream IDs 1, 3, 5, …) instead of the one payment stream: with `amount`, each
   * stream's `amount` is its share of it (they must add up to `amount`); with `fixedDelivery` the money rides on
   * the first stream. Each stream may carry its own `data`. Not together with `data`.
   */
  readonly streams?: readonly PayStream[]
  /**
   * Two-way STREAM: with `sourceAddress`, the receiver may send us packets. `listen` is called with our handler
   * for Prepares addressed to `sourceAddress` while the payment runs, and returns a function that unregisters it.
   */
  readonly listen?: (handler: StreamIncomingHandler) => () => void
  /** Money the receiver sends back (refused when absent). */
  readonly onIncomingMoney?: (event: MoneyReceived) => void
  readonly onIncomingData?: (event: DataReceived) => void
}

export interface PayProgress {
  /** Source units fulfilled. */
  readonly amountSent: bigint
  /** Destination units the receiver acknowledged. */
  readonly amountDelivered: bigint
  readonly amountInFlight: bigint
  readonly packetsFulfilled: number
  readonly packetsRejected: number
  /** The probed rate, destination units per source unit. */
  readonly exchangeRate?: Ratio
}

export interface PayResult extends PayProgress {
  readonly status: 'completed' | 'failed'
  readonly target: PayTarget
  readonly error?: PayError
  readonly rejectsByCode: Readonly<Record<string, number>>
  readonly maxPacketAmount?: bigint
  readonly destinationAssetCode?: string
  readonly destinationAssetScale?: number
  /** The latest STREAM receipt (RFC 39) the receiver attached, for a receipt verifier. */
  readonly receipt?: Uint8Array
  /** Per stream, when `streams` was given. */
  readonly streams?: readonly PayStreamResult[]
  readonly durationMs: number
}

export async function pay(options: PayOptions): Promise<PayResult> {
  const now = options.now ?? Date.now
  const startMs = now()
  const target = targetOf(options)
  const slippage = slippageOf(options)
  const send = options.sendPrepare ?? options.link?.send.bind(options.link)
  if (send === undefined) throw new TypeError('pay() needs sendPrepare or link')
  if (options.streams !== undefined && options.data !== undefined) throw new TypeError('pay() takes data per stream when streams are given')
  const linkSignal = followSignal(options.signal)
  const ctx: PacketContext = {
    keys: deriveStreamKeys(options.sharedSecret),
    destinationAccount: options.destinationAccount,
    send,
    expiryWindowMs: options.expiryWindowMs ?? DEFAULT_EXPIRY_WINDOW_MS,
    now,
    deadlines: createReplyDeadlines(),
    ...(linkSignal.signal && { signal: linkSignal.signal }),
  }
  const s: PaymentState = {
    target,
    sent: 0n,
    delivered: 0n,
    inFlight: new InFlightPackets(),
    packetsFulfilled: 0,
    packetsRejected: 0,
    rejectsByCode: {},
    congestion: initialCongestion(options.packetsInFlightMax ?? DEFAULT_PACKETS_IN_FLIGHT_MAX, options.maxPacketAmount),
    rateFailures: 0,
    remoteKnowsUs: false,
    lastFulfillMs: startMs,
    ...(options.data !== undefined && options.data.length > 0 && { data: newDataSend(options.data) }),
    ...(options.streams !== undefined && { streams: newStreams(options.streams, target.kind === 'source' ? target.amount : undefined) }),
  }
  let sequence = 0n
  const nextSequence = (): bigint | undefined => (sequence + 1n >= SEQUENCE_MAX ? undefined : ++sequence)
  const report = (): void => options.onProgress?.(progressOf(s))
  const loop: PayLoop = { ctx, s, options, now, nextSequence, startMs, report }

  const unlisten = listenIncoming(options, ctx, now)
  try {
    if (target.amount > 0n || s.data !== undefined || !streamsDataDone(s.streams)) {
      await probeRate(loop)
      if (!s.error) setMinRate(s, slippage, options)
      if (!s.error) await sendMoney(loop)
      await closeConnection(loop)
    }
  } finally {
    unlisten()
    linkSignal.dispose()
  }
  return resultOf(s, now() - startMs)
}

function listenIncoming(options: PayOptions, ctx: PacketContext, now: () => number): () => void {
  if (options.listen === undefined || options.sourceAddress === undefined) return () => undefined
  const incoming: IncomingOptions = {
    sourceAddress: options.sourceAddress,
    ...(options.sourceAssetCode !== undefined && { sourceAssetCode: options.sourceAssetCode }),
    ...(options.sourceAssetScale !== undefined && { sourceAssetScale: options.sourceAssetScale }),
    ...(options.onIncomingMoney && { onIncomingMoney: options.onIncomingMoney }),
    ...(options.onIncomingData && { onIncomingData: options.onIncomingData }),
  }
  return options.listen(createIncomingHandler(ctx.keys, incoming, now))
}

function targetOf(options: PayOptions): PayTarget {
  const { amount, fixedDelivery } = options
  if ((amount === undefined) === (fixedDelivery === undefined)) throw new TypeError('pay() takes exactly one of amount and fixedDelivery')
  const value = (amount ?? fixedDelivery)!
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn) throw new RangeError('payment amount must be a u64')
  return amount !== undefined ? { kind: 'source', amount } : { kind: 'delivery', amount: value }
}

/** The caller's slippage as an exact ratio in [0, 1]; a bad value is a programmer error (thrown before sending). */
function slippageOf(options: PayOptions): Ratio {
  const slippage = options.slippage === undefined ? Ratio.from(DEFAULT_SLIPPAGE.num, DEFAULT_SLIPPAGE.den) : options.slippage instanceof Ratio ? options.slippage : Ratio.fromDecimal(options.slippage)
  if (slippage.compare(Ratio.ONE) > 0) throw new RangeError('slippage must be between 0 and 1')
  return slippage
}

function setMinRate(s: PaymentState, slippage: Ratio, options: PayOptions): void {
  const rate = s.rate!
  let minRate = rate.mul(Ratio.from(slippage.den - slippage.num, slippage.den))
  const floor = options.minExchangeRate
  if (floor !== undefined && s.target.amount > 0n) {
    if (rate.compare(floor) < 0) {
      s.error = { code: PayErrorCode.RATE_TOO_LOW, message: `probed rate ${rate.toDecimalString()} is below the minimum ${floor.toDecimalString()}` }
      return
    }
    if (minRate.compare(floor) < 0) minRate = floor
  }
  s.minRate = minRate
}

/** A single-slot wake-up: the loop sleeps until a packet settles, a timer fires or the signal aborts. */
function createWaker(signal?: AbortSignal): { wait(ms: number): Promise<void>; wake(): void; dispose(): void } {
  let wakeUp: (() => void) | undefined
  const wake = (): void => wakeUp?.()
  signal?.addEventListener('abort', wake)
  return {
    wait(ms) {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(1, ms))
        function done(): void {
          clearTimeout(timer)
          wakeUp = undefined
          resolve()
        }
        wakeUp = done
      })
    },
    wake,
    dispose: () => signal?.removeEventListener('abort', wake),
  }
}

async function sendMoney(loop: PayLoop): Promise<void> {
  const { s, now, options } = loop
  const waker = createWaker(options.signal)
  s.lastFulfillMs = now()
  try {
    for (;;) {
      if (!s.error) s.error = stopReason(loop)
      if (s.error || isComplete(s)) {
        if (s.inFlight.size === 0) return
        await waker.wait(1_000)
        continue
      }
      const t = now()
      const backingOff = isBackingOff(s.congestion, t)
      const next = !backingOff && s.inFlight.size < packetsAllowed(s.congestion) ? (planPacket(s) ?? planDataOnly(s, t)) : undefined
      if (next) {
        launch(loop, next, waker.wake)
        continue
      }
      // A data stream blocked at the receiver's window asks again later (streams-send.ts); a packet in flight
      // wakes the loop when it settles anyway.
      const refreshMs = s.inFlight.size === 0 ? nextRefreshMs(s.streams) : undefined
      if (s.inFlight.size === 0 && !backingOff && refreshMs === undefined) {
        s.error = stuckError(s)
        return
      }
      await waker.wait(backingOff ? s.congestion.backoffUntilMs - t : refreshMs !== undefined ? Math.min(1_000, refreshMs - t) : 1_000)
    }
  } finally {
    waker.dispose()
  }
}

/** A zero-amount packet to carry data once the money needs no more packets. */
function planDataOnly(s: PaymentState, nowMs: number): InFlight | undefined {
  if (s.error || !(chunkReady(s.data) || streamsChunkReady(s.streams, nowMs))) return undefined
  if (!moneyComplete(s) && planPacket(s) !== undefined) return undefined
  return { amount: 0n, minDelivery: 0n }
}

function launch(loop: PayLoop, packet: InFlight, wake: () => void): void {
  const { s, ctx, options } = loop
  const sequence = loop.nextSequence()
  if (sequence === undefined) {
    s.error = { code: PayErrorCode.SEQUENCE_EXHAUSTED, message: 'the connection has sent 2^31 packets' }
    return
  }
  const frames: Frame[] = s.remoteKnowsUs ? [] : setupFrames(s, options)
  if (s.streams) {
    const shares = allocate(s.streams, packet.amount, s.rate)
    frames.push(...moneyFrames(s.streams, shares))
    const taken = takeStreamChunk(s.streams)
    const requests = limitRequestFrames(s.streams, loop.now(), taken?.streamId)
    frames.push(...requests.frames)
    if (taken) frames.push(chunkFrame(s.streams.list[taken.index]!.data!, taken.streamId, taken.chunk))
    packet = { ...packet, shares, ...(taken && { streamChunk: taken }), ...(requests.indexes.length > 0 && { limitRequests: requests.indexes }) }
  } else {
    const chunk = takeChunk(s.data)
    if (packet.amount > 0n) frames.push({ type: FrameType.StreamMoney, streamId: PAYMENT_STREAM_ID, shares: packet.amount })
    if (chunk) frames.push(chunkFrame(s.data!, PAYMENT_STREAM_ID, chunk))
    packet = chunk ? { ...packet, chunk } : packet
  }
  s.inFlight.set(sequence, packet)
  const done = (): void => {
    s.inFlight.delete(sequence)
    loop.report()
    wake()
  }
  // One reaction per packet (no .finally: a promise and a microtask less each).
  sendStreamPacket(ctx, { sequence, amount: packet.amount, minDelivery: packet.minDelivery, frames, fulfillable: true }).then(
    (result) => {
      try {
        settle(loop, packet, result)
      } finally {
        done()
      }
    },
    (e: unknown) => {
      s.error ??= { code: IlpErrorCode.T00_INTERNAL_ERROR, message: `sending failed: ${e instanceof Error ? e.message : String(e)}` }
      done()
    },
  )
}

/** Tells the receiver we are done (ConnectionClose in an unfulfillable 0-amount packet); best effort. */
async function closeConnection(loop: PayLoop): Promise<void> {
  const { s, ctx, options } = loop
  // A receiver that never answered us authentically holds no state worth closing (and may be unreachable).
  if (!s.remoteKnowsUs) return
  const sequence = loop.nextSequence()
  if (sequence === undefined) return
  const failed = s.error !== undefined && !isComplete(s)
  const frames: Frame[] = [{ type: FrameType.ConnectionClose, errorCode: failed ? StreamErrorCode.ApplicationError : StreamErrorCode.NoError, errorMessage: failed ? s.error!.message.slice(0, 256) : '' }]
  if (s.streams) frames.unshift(...closeFrames(s.streams, failed, failed ? s.error!.message.slice(0, 256) : ''))
  const { signal: _signal, ...rest } = ctx
  // The close packet keeps the normal expiry (each hop shortens it by its message window, so a short one dies
  // with R02 on a multi-hop path); we only stop *waiting* for its reply after CLOSE_TIMEOUT_MS.
  const closeCtx: PacketContext = rest
  const sent = sendStreamPacket(closeCtx, { sequence, amount: 0n, minDelivery: 0n, frames: [...setupFrames(s, options), ...frames], fulfillable: false }).catch(() => undefined)
  let timer: NodeJS.Timeout | undefined
  const gaveUp = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)
    timer.unref()
  })
  await Promise.race([sent, gaveUp])
  clearTimeout(timer)
}

export function progressOf(s: PaymentState): PayProgress {
  return {
    amountSent: s.sent,
    amountDelivered: s.delivered,
    amountInFlight: amountInFlight(s),
    packetsFulfilled: s.packetsFulfilled,
    packetsRejected: s.packetsRejected,
    ...(s.rate && { exchangeRate: s.rate }),
  }
}

function resultOf(s: PaymentState, durationMs: number): PayResult {
  const complete = isComplete(s)
  return {
    ...progressOf(s),
    status: complete ? 'completed' : 'failed',
    target: s.target,
    ...(!complete && s.error && { error: s.error }),
    rejectsByCode: s.rejectsByCode,
    ...(s.congestion.maxPacketAmount !== undefined && { maxPacketAmount: s.congestion.maxPacketAmount }),
    ...(s.destinationAsset && { destinationAssetCode: s.destinationAsset.code, destinationAssetScale: s.destinationAsset.scale }),
    ...(s.receipt && { receipt: s.receipt.bytes }),
    ...(s.streams && { streams: streamResults(s.streams) }),
    durationMs,
  }
}
