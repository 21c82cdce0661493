/**
 * Exchange-rate probing (RFC 29 §"Exchange Rates": senders MAY probe with unfulfillable packets). A volley
 * of unfulfillable packets of decreasing amounts; each authentic F99 reply says how much arrived. The rate is
 * taken from the largest probe that arrived (the most digits of precision). F08 answers teach the path's
 * maximum packet amount and the next volley stays below it; T-errors back off and retry.
 */
import { IlpErrorCode } from '../ilp/errors.js'
import { Ratio } from '../money/ratio.js'
import { FrameType } from './frames.js'
import { sendStreamPacket, type PacketResult } from './send-packet.js'
import { initialCongestion, onAmountTooLarge, onTemporaryReject, packetAmountLimit } from './congestion.js'
import { noteReply, setupFrames, stopReason, PAYMENT_STREAM_ID, PayErrorCode, type PayLoop } from './payment.js'
import { PROBE_AMOUNTS, PROBE_ROUNDS_MAX } from './limits.js'

interface Arrival {
  readonly sent: bigint
  readonly received: bigint
}

/** Sets `s.rate`, or `s.error` when no rate can be learned. */
export async function probeRate(loop: PayLoop): Promise<void> {
  const { s } = loop
  for (let round = 0; round < PROBE_ROUNDS_MAX && !s.error; round++) {
    const stop = stopReason(loop)
    if (stop) {
      s.error = stop
      return
    }
    const amounts = probeAmounts(packetAmountLimit(s.congestion))
    const results = await Promise.all(amounts.map((amount) => sendProbe(loop, amount)))
    const arrivals: Arrival[] = []
    let retry = false
    results.forEach((result, i) => {
      const verdict = readProbe(loop, amounts[i]!, result)
      if (verdict === 'retry') retry = true
      else if (verdict !== undefined) arrivals.push(verdict)
    })
    if (s.error) return
    const best = arrivals.filter((a) => a.received > 0n).sort((a, b) => (a.sent > b.sent ? -1 : 1))[0]
    if (best) {
      s.rate = Ratio.from(best.received, best.sent)
      // Temporary errors on the larger probes say nothing about the packets to come: start them afresh,
      // keeping only what F08 taught about the path.
      s.congestion = initialCongestion(s.congestion.windowMax, s.congestion.maxPacketAmount)
      return
    }
    if (arrivals.length > 0 && s.target.amount === 0n) {
      s.rate = Ratio.ZERO // data only: any authentic answer will do, no money moves
      return
    }
    if (!retry && arrivals.length > 0) {
      s.error = { code: PayErrorCode.RATE_TOO_LOW, message: 'probes arrived as 0: the exchange rate is zero' }
      return
    }
    await sleep(s.congestion.backoffUntilMs - loop.now(), loop.options.signal)
  }
  s.error ??= { code: PayErrorCode.RATE_PROBE_FAILED, message: `no exchange rate after ${PROBE_ROUNDS_MAX} probe rounds` }
}

/**
 * PROBE_AMOUNTS under the known limit, plus the limit and a few fractions of it (an F08 without data gives
 * only an upper bound, so the largest amount that passes is searched for by halving).
 */
function probeAmounts(limit: bigint | undefined): bigint[] {
  if (limit === undefined) return [...PROBE_AMOUNTS]
  const near = [limit, limit / 2n, limit / 4n, limit / 8n].filter((a) => a > 0n)
  const under = PROBE_AMOUNTS.filter((a) => a < limit / 8n)
  return [...new Set([...near, ...under])]
}

function sendProbe(loop: PayLoop, amount: bigint): Promise<PacketResult | undefined> {
  const sequence = loop.nextSequence()
  if (sequence === undefined) return Promise.resolve(undefined)
  const frames = [...setupFrames(loop.s, loop.options), { type: FrameType.StreamMoney, streamId: PAYMENT_STREAM_ID, shares: amount } as const]
  return sendStreamPacket(loop.ctx, { sequence, amount, minDelivery: 0n, frames, fulfillable: false })
}

/** One probe's answer: an arrival, 'retry' (temporary), or undefined (learned something, e.g. F08). */
function readProbe(loop: PayLoop, amount: bigint, result: PacketResult | undefined): Arrival | 'retry' | undefined {
  const { s } = loop
  if (result === undefined) {
    s.error ??= { code: PayErrorCode.SEQUENCE_EXHAUSTED, message: 'the connection has sent 2^31 packets' }
    return undefined
  }
  if (result.reply) noteReply(s, result.reply)
  if (result.kind === 'fulfill') return undefined // impossible with a random condition; nothing to learn
  const { code, message } = result.reject
  s.packetsRejected++
  s.rejectsByCode[code] = (s.rejectsByCode[code] ?? 0) + 1
  if (result.reply) {
    const close = result.reply.frames.find((f) => f.type === FrameType.ConnectionClose)
    if (close) s.error ??= { code: PayErrorCode.RECEIVER_CLOSED, message: 'receiver closed the connection' }
    return { sent: amount, received: result.reply.amount }
  }
  if (code === IlpErrorCode.F08_AMOUNT_TOO_LARGE) {
    const next = onAmountTooLarge(s.congestion, amount, result.reject.data)
    if (next) s.congestion = next
    else s.error ??= { code, message: message || 'amount too large' }
    return 'retry'
  }
  if (code.startsWith('T') || code === IlpErrorCode.R00_TRANSFER_TIMED_OUT) {
    // Back off, but keep the amount cap: a volley's probes share the sender's liquidity, so a T04 on a small
    // probe (the large one holding the credit) says nothing about the size a packet may have. (spsp helper.)
    const amountCap = s.congestion.amountCap
    s.congestion = { ...onTemporaryReject(s.congestion, code, amount, loop.now()), amountCap }
    return 'retry'
  }
  // A small probe that a connector converts to less than one unit (R01) arrived as nothing; larger probes
  // of the same volley still give the rate. (Added by the spsp helper: USD scale 9 → EUR scale 6 hit this.)
  if (code === IlpErrorCode.R01_INSUFFICIENT_SOURCE_AMOUNT) return { sent: amount, received: 0n }
  s.error ??= { code, message: message || `probe rejected ${code}` }
  return undefined
}

/** Waits `ms` (or until the signal aborts). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}
