/**
 * Applying one packet's answer to a payment (the "apply" half of the sender): money counted only on a valid
 * Fulfill, F08 teaches the path maximum, T-codes back off, the receiver's F99 replies are read for closes,
 * limits and rate failures, and any other final code ends the payment.
 */
import { IlpErrorCode } from '../ilp/errors.js'
import { FrameType, StreamErrorCode } from './frames.js'
import type { StreamPacket } from './packet.js'
import type { PacketResult } from './send-packet.js'
import { onAmountTooLarge, onFulfill, onTemporaryReject } from './congestion.js'
import { noteReply, PAYMENT_STREAM_ID, PayErrorCode, type InFlight, type PayError, type PayLoop } from './payment.js'
import { RATE_FAILURES_MAX } from './limits.js'
import { chunkAcked, chunkLost } from './data-send.js'
import { closedStream, settleStreams } from './streams-send.js'

/** Applies one packet's answer to the payment (the "apply" half; the branches are the RFC's cases). */
export function settle(loop: PayLoop, packet: InFlight, result: PacketResult): void {
  const { s, now } = loop
  if (packet.chunk && s.data) {
    if (result.kind === 'fulfill') chunkAcked(s.data, packet.chunk)
    else chunkLost(s.data, packet.chunk)
  }
  if (s.streams) {
    const delivered = result.kind === 'fulfill' ? (result.reply?.amount ?? packet.minDelivery) : 0n
    settleStreams(s.streams, packet, result.kind === 'fulfill', delivered)
  }
  if (result.kind === 'fulfill') {
    s.sent += packet.amount
    s.delivered += result.reply?.amount ?? packet.minDelivery
    s.packetsFulfilled++
    s.rateFailures = 0
    s.lastFulfillMs = now()
    s.congestion = onFulfill(s.congestion, packet.amount)
    if (result.reply) {
      noteReply(s, result.reply)
      // The receiver may close in the reply to the very packet it took; stop sending (the payment may be done).
      const close = result.reply.frames.find((f) => f.type === FrameType.ConnectionClose)
      if (close && close.type === FrameType.ConnectionClose) s.error ??= closedError('connection', close.errorCode, close.errorMessage)
    }
    return
  }
  const { code, message } = result.reject
  s.packetsRejected++
  s.rejectsByCode[code] = (s.rejectsByCode[code] ?? 0) + 1
  if (result.reply) noteReply(s, result.reply)
  if (code === IlpErrorCode.F99_APPLICATION_ERROR && result.reply) return settleStreamReject(loop, packet, result.reply)
  if (code === IlpErrorCode.F08_AMOUNT_TOO_LARGE) {
    const next = onAmountTooLarge(s.congestion, packet.amount, result.reject.data)
    if (next) s.congestion = next
    else s.error ??= { code, message: message || 'amount too large and no smaller amount can pass' }
    return
  }
  if (code.startsWith('T') || code === IlpErrorCode.R00_TRANSFER_TIMED_OUT) {
    s.congestion = onTemporaryReject(s.congestion, code, packet.amount, now())
    return
  }
  s.error ??= { code, message: message || `final reject ${code}` }
}

function settleStreamReject(loop: PayLoop, packet: InFlight, reply: StreamPacket): void {
  const { s, now } = loop
  for (const f of reply.frames) {
    if (f.type === FrameType.ConnectionClose) {
      s.error ??= closedError('connection', f.errorCode, f.errorMessage)
      return
    }
    if (f.type === FrameType.StreamClose && f.streamId === PAYMENT_STREAM_ID) {
      s.error ??= closedError('stream', f.errorCode, f.errorMessage)
      return
    }
  }
  const closed = s.streams && closedStream(s.streams, reply)
  if (closed) {
    s.error ??= closedError('stream', closed.errorCode, closed.errorMessage)
    return
  }
  if (s.remoteRoom !== undefined && s.remoteRoom < packet.minDelivery) {
    if (s.remoteRoom === 0n) s.error ??= { code: PayErrorCode.RECEIVER_LIMIT, message: 'the receiver accepts no more money on this stream' }
    return // planPacket sizes the next packets to the room left
  }
  if (reply.amount < packet.minDelivery) {
    s.rateFailures++
    if (s.rateFailures >= RATE_FAILURES_MAX) {
      s.error ??= { code: PayErrorCode.RATE_TOO_LOW, message: `delivered ${reply.amount} where at least ${packet.minDelivery} was required` }
    }
  }
  s.congestion = onTemporaryReject(s.congestion, IlpErrorCode.F99_APPLICATION_ERROR, packet.amount, now())
}

function closedError(what: 'connection' | 'stream', code: number, message: string): PayError {
  return { code: PayErrorCode.RECEIVER_CLOSED, message: `receiver closed the ${what} (${StreamErrorCode[code] ?? code}) ${message}`.trim() }
}
