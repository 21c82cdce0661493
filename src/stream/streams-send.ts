/**
 * Several streams in one payment (RFC 29 §"Streams", §"StreamMoney Frame"): `pay({ streams })` opens client
 * streams 1, 3, 5, … A packet's money is allocated to the streams in order (each takes what it still needs,
 * within the room its StreamMaxMoney leaves), so most packets carry one StreamMoney frame and a packet at a
 * boundary carries two, with shares = the source units meant for each. The receiver splits what arrives
 * ⌊amount × shares / Σshares⌋ per stream, the remainder to the lowest stream ID (our receiver; ilp-protocol-stream
 * drops the remainder); the sender counts per-stream delivery by the same rule. Fixed source only splits money:
 * with fixed delivery the money rides on the first stream and the others carry data. Pure state and planning;
 * sender.ts and settle.ts call it only when `streams` was given, so a single-stream payment is unchanged.
 */
import { Ratio } from '../money/ratio.js'
import { FrameType, StreamErrorCode, type Frame } from './frames.js'
import { chunkReady, dataDone, newDataSend, raiseRemoteMax, takeChunk, type Chunk, type DataSendState } from './data-send.js'
import type { StreamPacket } from './packet.js'

/**
 * Streams one payment may open. Our receiver's default ConnectionMaxStreamId is 20 (limits.ts), which admits the
 * odd client streams 1…19; ilp-protocol-stream's default maxRemoteStreams is 10.
 */
export const PAY_STREAMS_MAX = 10

/**
 * A data stream blocked at the receiver's StreamMaxData asks again for its limits (ilp-protocol-stream raises the
 * window only once its application has read the bytes, after its reply went out): after 10 ms, doubling, at most
 * this many times in a row without the window growing (~5 s in all), then the payment stops as stuck.
 */
export const DATA_REFRESHES_MAX = 9
const DATA_REFRESH_FIRST_MS = 10

/** One stream of a multi-stream payment, as the caller asks for it. */
export interface PayStream {
  /** Source units for this stream (fixed source only; the amounts add up to `amount`). */
  readonly amount?: bigint
  /** Bytes to deliver in order on this stream. */
  readonly data?: Uint8Array
}

/** What one stream of the payment sent and delivered. */
export interface PayStreamResult {
  readonly streamId: bigint
  /** Source units fulfilled on this stream. */
  readonly amountSent: bigint
  /** Destination units credited to this stream (the receiver's split of each packet). */
  readonly amountDelivered: bigint
  /** Bytes of this stream's data the receiver acknowledged. */
  readonly dataAcked: number
}

export interface SendStream {
  readonly id: bigint
  /** Source units this stream should get (fixed source), undefined for the money stream of a fixed delivery. */
  readonly amount?: bigint
  sent: bigint
  delivered: bigint
  /** Source units in packets not yet answered. */
  inFlight: bigint
  /** Room under the receiver's StreamMaxMoney (destination units), once it said. */
  room?: bigint
  readonly data?: DataSendState
  /** The receiver has told us this stream's limits (until then its data window is unknown, i.e. 0). */
  heard: boolean
  /** Packets in flight carrying this stream's data or a request for its limits. */
  dataInFlight: number
  /** Requests for limits in a row that did not grow the window, and when the next one may go. */
  refreshes: number
  refreshAfterMs: number
}

/** The source units of one packet meant for one stream (its StreamMoney shares). */
export interface StreamShare {
  readonly index: number
  readonly amount: bigint
}

/** A packet's chunk of one stream's data. */
export interface StreamChunk {
  readonly index: number
  readonly streamId: bigint
  readonly chunk: Chunk
}

export interface StreamsState {
  readonly list: SendStream[]
  /** Fixed source: money is split by the streams' amounts; else it all rides on the first stream. */
  readonly splitsMoney: boolean
  /** Where the next data chunk is looked for (round robin). */
  dataCursor: number
  /** The receiver's ConnectionMaxData: a limit on the sum of all streams' offsets. */
  connectionMax?: bigint
}

/** Validates the caller's streams (a bad value is a programmer error, thrown before sending). */
export function newStreams(streams: readonly PayStream[], fixedSource: bigint | undefined): StreamsState {
  if (streams.length === 0 || streams.length > PAY_STREAMS_MAX) throw new RangeError(`pay() takes 1 to ${PAY_STREAMS_MAX} streams`)
  let total = 0n
  for (const st of streams) {
    if (st.amount === undefined) continue
    if (fixedSource === undefined) throw new TypeError('with fixedDelivery the money rides on the first stream: streams take no amount')
    if (st.amount < 0n) throw new RangeError('a stream amount must not be negative')
    total += st.amount
  }
  if (fixedSource !== undefined && total !== fixedSource) throw new RangeError(`the stream amounts add up to ${total}, not to amount ${fixedSource}`)
  const list = streams.map((st, i): SendStream => ({
    id: BigInt(2 * i + 1),
    ...(fixedSource !== undefined && { amount: st.amount ?? 0n }),
    sent: 0n,
    delivered: 0n,
    inFlight: 0n,
    heard: false,
    dataInFlight: 0,
    refreshes: 0,
    refreshAfterMs: 0,
    ...(st.data !== undefined && st.data.length > 0 && { data: newDataSend(st.data) }),
  }))
  return { list, splitsMoney: fixedSource !== undefined, dataCursor: 0 }
}

const floorMul = (amount: bigint, r: Ratio): bigint => (amount * r.num) / r.den
const ceilMul = (amount: bigint, r: Ratio): bigint => (amount * r.num + r.den - 1n) / r.den

/** Source units a stream can still take now: what it still needs, within its StreamMaxMoney room at `rate`. */
function takeable(st: SendStream, rate: Ratio | undefined): bigint {
  const need = (st.amount ?? 0n) - st.sent - st.inFlight
  if (need <= 0n) return 0n
  if (st.room === undefined || rate === undefined || rate.isZero()) return need
  const room = st.room - ceilMul(st.inFlight, rate)
  const roomAmount = room <= 0n ? 0n : floorMul(room, rate.inverse())
  return roomAmount < need ? roomAmount : need
}

/** The largest packet amount the streams can take now (fixed source). Pure. */
export function streamsRoom(ss: StreamsState, rate: Ratio | undefined): bigint {
  let total = 0n
  for (const st of ss.list) total += takeable(st, rate)
  return total
}

/** Allocates a packet's amount to the streams in order (fixed delivery: all to the first). Pure. */
export function allocate(ss: StreamsState, amount: bigint, rate: Ratio | undefined): StreamShare[] {
  if (amount <= 0n) return []
  if (!ss.splitsMoney) return [{ index: 0, amount }]
  const shares: StreamShare[] = []
  let left = amount
  ss.list.forEach((st, index) => {
    if (left === 0n) return
    const take = takeable(st, rate)
    const amountHere = take < left ? take : left
    if (amountHere > 0n) shares.push({ index, amount: amountHere })
    left -= amountHere
  })
  // planPacket caps the packet at streamsRoom, so nothing is left over; a remainder would be a bug.
  if (left !== 0n) throw new Error(`allocated ${amount - left} of a ${amount} packet`)
  return shares
}

/** Marks the shares as in flight; returns the StreamMoney frames. */
export function moneyFrames(ss: StreamsState, shares: readonly StreamShare[]): Frame[] {
  return shares.map((share) => {
    const st = ss.list[share.index]!
    st.inFlight += share.amount
    return { type: FrameType.StreamMoney, streamId: st.id, shares: share.amount }
  })
}

export function streamsChunkReady(ss: StreamsState | undefined, nowMs: number): boolean {
  return ss !== undefined && ss.list.some((st) => chunkReady(st.data) || needsLimits(st, nowMs))
}

/**
 * A data stream whose limits we need: never heard, or blocked at its window with nothing of it in flight. Both
 * receivers advertise StreamMaxData only for streams a packet mentions, so a StreamMaxData frame of ours with
 * offset 0 asks for them: limits only grow, so it changes nothing. (An empty StreamData frame would not do:
 * ilp-protocol-stream 2.7.1 queues a frame below its read offset at the head of its reorder list, where it
 * blocks every later byte of the stream.)
 */
function needsLimits(st: SendStream, nowMs: number): boolean {
  if (dataDone(st.data) || chunkReady(st.data) || st.dataInFlight > 0) return false
  if (!st.heard) return true
  return st.refreshes < DATA_REFRESHES_MAX && nowMs >= st.refreshAfterMs
}

/** When a blocked data stream may next ask for its limits (undefined: none is waiting to). */
export function nextRefreshMs(ss: StreamsState | undefined): number | undefined {
  let next: number | undefined
  for (const st of ss?.list ?? []) {
    if (dataDone(st.data) || chunkReady(st.data) || st.dataInFlight > 0 || !st.heard || st.refreshes >= DATA_REFRESHES_MAX) continue
    if (next === undefined || st.refreshAfterMs < next) next = st.refreshAfterMs
  }
  return next
}

/** StreamMaxData(0) frames asking for the limits of data streams that need them; marks them in flight. */
export function limitRequestFrames(ss: StreamsState, nowMs: number, except?: bigint): { frames: Frame[]; indexes: number[] } {
  const frames: Frame[] = []
  const indexes: number[] = []
  ss.list.forEach((st, index) => {
    if (st.id === except || !needsLimits(st, nowMs)) return
    if (st.heard) {
      st.refreshes++
      st.refreshAfterMs = nowMs + DATA_REFRESH_FIRST_MS * 2 ** st.refreshes
    }
    st.dataInFlight++
    indexes.push(index)
    frames.push({ type: FrameType.StreamMaxData, streamId: st.id, maxOffset: 0n })
  })
  return { frames, indexes }
}

/** The next stream's chunk the receiver has room for (round robin); marks it sent. */
export function takeStreamChunk(ss: StreamsState): StreamChunk | undefined {
  const n = ss.list.length
  for (let k = 0; k < n; k++) {
    const index = (ss.dataCursor + k) % n
    const st = ss.list[index]!
    if (!chunkReady(st.data)) continue
    const chunk = takeChunk(st.data)
    if (chunk === undefined) continue
    ss.dataCursor = (index + 1) % n
    st.dataInFlight++
    shareConnectionMax(ss)
    return { index, streamId: st.id, chunk }
  }
  return undefined
}

export function streamsDataDone(ss: StreamsState | undefined): boolean {
  return ss === undefined || ss.list.every((st) => dataDone(st.data))
}

/** What a packet in flight carries for the streams. */
export interface StreamsInFlight {
  readonly shares?: readonly StreamShare[]
  readonly streamChunk?: StreamChunk
  /** Streams whose limits the packet asked for (indexes). */
  readonly limitRequests?: readonly number[]
}

/** Applies one packet's answer to its streams: money per the receiver's split, data acked or queued again. */
export function settleStreams(ss: StreamsState, packet: StreamsInFlight, fulfilled: boolean, delivered: bigint): void {
  const { shares, streamChunk: chunk } = packet
  for (const index of packet.limitRequests ?? []) ss.list[index]!.dataInFlight--
  if (chunk) {
    ss.list[chunk.index]!.dataInFlight--
    const data = ss.list[chunk.index]!.data!
    if (fulfilled) data.acked += chunk.chunk.length
    else {
      data.resend.push(chunk.chunk)
      data.resend.sort((a, b) => a.offset - b.offset)
    }
  }
  if (!shares || shares.length === 0) return
  for (const share of shares) ss.list[share.index]!.inFlight -= share.amount
  if (!fulfilled) return
  const total = shares.reduce((sum, share) => sum + share.amount, 0n)
  // ⌊delivered × shares / Σshares⌋; the remainder to the lowest stream ID (shares are in stream order).
  let given = 0n
  const credits = shares.map((share) => {
    const credit = (delivered * share.amount) / total
    given += credit
    return credit
  })
  credits[0]! += delivered - given
  shares.forEach((share, i) => {
    const st = ss.list[share.index]!
    st.sent += share.amount
    st.delivered += credits[i]!
  })
}

/** Reads the receiver's per-stream limits from an authentic reply. */
export function noteStreamsReply(ss: StreamsState, reply: StreamPacket): void {
  for (const f of reply.frames) {
    if (f.type === FrameType.StreamMaxMoney) {
      const st = ss.list.find((x) => x.id === f.streamId)
      if (st) st.room = f.receiveMax > f.totalReceived ? f.receiveMax - f.totalReceived : 0n
    }
    if (f.type === FrameType.StreamMaxData) {
      const st = ss.list.find((x) => x.id === f.streamId)
      if (st) st.heard = true
      if (st?.data && f.maxOffset > st.data.remoteMax) {
        raiseRemoteMax(st.data, f.maxOffset)
        st.refreshes = 0
        st.refreshAfterMs = 0
      }
    }
    if (f.type === FrameType.ConnectionMaxData && (ss.connectionMax === undefined || f.maxOffset > ss.connectionMax)) ss.connectionMax = f.maxOffset
  }
  shareConnectionMax(ss)
}

/**
 * ConnectionMaxData bounds the bytes of all streams together (RFC 29 §"Flow Control"): each stream may go as far
 * as its own offset plus what no stream has used yet (so one stream's chunk lowers the others' bounds).
 */
function shareConnectionMax(ss: StreamsState): void {
  if (ss.connectionMax === undefined) return
  let used = 0n
  for (const st of ss.list) if (st.data) used += BigInt(st.data.nextOffset)
  const free = ss.connectionMax > used ? ss.connectionMax - used : 0n
  for (const st of ss.list) if (st.data) st.data.remoteConnectionMax = BigInt(st.data.nextOffset) + free
}

/** Whether the reply closes one of our streams (the payment cannot finish as asked). */
export function closedStream(ss: StreamsState, reply: StreamPacket): { errorCode: number; errorMessage: string } | undefined {
  for (const f of reply.frames) if (f.type === FrameType.StreamClose && ss.list.some((st) => st.id === f.streamId)) return f
  return undefined
}

/**
 * StreamClose for the streams, sent with the ConnectionClose at the end. After a successful payment a stream
 * that carried data is left to the ConnectionClose: ilp-protocol-stream 2.7.1 ends a stream on StreamClose
 * (push(null)) without the bytes still queued behind a slow reader's full buffer, while on ConnectionClose it
 * ends gracefully and delivers them. A failed payment closes every stream with the error.
 */
export function closeFrames(ss: StreamsState, failed: boolean, message: string): Frame[] {
  return ss.list.filter((st) => failed || st.data === undefined).map((st) => ({ type: FrameType.StreamClose, streamId: st.id, errorCode: failed ? StreamErrorCode.ApplicationError : StreamErrorCode.NoError, errorMessage: failed ? message : '' }))
}

export function streamResults(ss: StreamsState): PayStreamResult[] {
  return ss.list.map((st) => ({ streamId: st.id, amountSent: st.sent, amountDelivered: st.delivered, dataAcked: st.data?.acked ?? 0 }))
}
