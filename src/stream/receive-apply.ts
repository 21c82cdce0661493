/**
 * The one place that writes receiver connection state, carrying out a Decision (receive-decide.ts).
 * Every function is synchronous: no await between a check and its update.
 */
import { FrameType, StreamErrorCode, type Frame, type StreamDataFrame } from './frames.js'
import { newStream, type ConnectionDefaults, type ConnectionRecord } from './connection.js'
import type { ControlEffects, Credit, Outcome } from './receive-decide.js'
import { createReceipt } from './receipt.js'
import { CLOSE_MESSAGE_MAX, MAX_STREAM_ID_CEILING } from './limits.js'

export interface DataDelivery {
  readonly streamId: bigint
  readonly offset: bigint
  readonly data: Uint8Array
}

export function applyControl(conn: ConnectionRecord, control: ControlEffects, defaults: ConnectionDefaults): void {
  for (const id of control.openStreams) conn.streams.set(id, newStream(id, defaults))
  for (const { id, code, message } of control.remoteCloseStreams) {
    const stream = conn.streams.get(id)
    if (stream === undefined || stream.state.kind === 'closed') continue
    stream.state = { kind: 'closed', by: 'remote', code, message }
    // A closed stream frees an ID: raise the peer's limit by 2 (one ID of its parity), as ilp-protocol-stream does.
    if (conn.maxStreamId < MAX_STREAM_ID_CEILING) conn.maxStreamId += 2n
  }
  if (control.remoteAddress !== undefined) conn.remoteAddress = control.remoteAddress
  if (control.remoteAsset !== undefined && conn.remoteAsset === undefined) conn.remoteAsset = control.remoteAsset
}

export function applyCredits(conn: ConnectionRecord, credits: readonly Credit[]): void {
  for (const c of credits) {
    conn.streams.get(c.streamId)!.totalReceived += c.amount
    conn.totalReceived += c.amount
  }
}

/** Undoes applyCredits when the application refused the money after all. */
export function revertCredits(conn: ConnectionRecord, credits: readonly Credit[]): void {
  for (const c of credits) {
    conn.streams.get(c.streamId)!.totalReceived -= c.amount
    conn.totalReceived -= c.amount
  }
}

/** Buffers data frames and returns what is now contiguous, in order. Raises the advertised windows. */
export function applyData(conn: ConnectionRecord, frames: readonly StreamDataFrame[], defaults: ConnectionDefaults): DataDelivery[] {
  const deliveries: DataDelivery[] = []
  const touched = new Set<bigint>()
  for (const f of frames) {
    const stream = conn.streams.get(f.streamId)!
    const end = f.offset + BigInt(f.data.length)
    if (end > stream.dataHighest) stream.dataHighest = end
    if (end <= stream.dataDelivered || f.data.length === 0) continue // a retransmission
    if (!stream.fragments.has(f.offset)) stream.fragments.set(f.offset, new Uint8Array(f.data))
    touched.add(f.streamId)
  }
  for (const id of touched) {
    const stream = conn.streams.get(id)!
    const before = stream.dataDelivered
    for (const offset of [...stream.fragments.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      const bytes = stream.fragments.get(offset)!
      const end = offset + BigInt(bytes.length)
      if (offset > stream.dataDelivered) break
      stream.fragments.delete(offset)
      if (end <= stream.dataDelivered) continue
      const fresh = bytes.subarray(Number(stream.dataDelivered - offset))
      deliveries.push({ streamId: id, offset: stream.dataDelivered, data: fresh })
      stream.dataDelivered = end
    }
    const consumed = stream.dataDelivered - before
    // RFC 29 §"Flow Control": limits only grow. Consumed bytes reopen the same amount of window.
    stream.dataMaxOffset += consumed
    conn.connectionMaxData += consumed
  }
  return deliveries
}

export function closeLocally(conn: ConnectionRecord, code: StreamErrorCode, message: string): void {
  if (conn.state.kind === 'open') conn.state = { kind: 'closed', by: 'local', code, message: message.slice(0, CLOSE_MESSAGE_MAX) }
}

export interface OurDetails {
  readonly assetCode: string
  readonly assetScale: number
}

/** Frames of the reply to one packet: the limits of each stream it named, plus closes and receipts. */
export function replyFrames(conn: ConnectionRecord, control: ControlEffects, outcome: Outcome, ours: OurDetails): Frame[] {
  const frames: Frame[] = []
  if (conn.state.kind === 'closed') {
    frames.push({ type: FrameType.ConnectionClose, errorCode: conn.state.code, errorMessage: conn.state.by === 'local' ? conn.state.message : '' })
    return frames
  }
  const probe = outcome.kind === 'reject' && outcome.reason === 'unfulfillable'
  const carriedData = outcome.kind === 'fulfill' && outcome.data.length > 0
  if (control.setup || probe) {
    frames.push(
      { type: FrameType.ConnectionAssetDetails, sourceAssetCode: ours.assetCode, sourceAssetScale: ours.assetScale },
      { type: FrameType.ConnectionMaxStreamId, maxStreamId: conn.maxStreamId },
    )
  }
  // The connection's data window moves as data is consumed: re-advertise it whenever it may have grown.
  if (control.setup || probe || carriedData) frames.push({ type: FrameType.ConnectionMaxData, maxOffset: conn.connectionMaxData })
  for (const id of control.touchedStreams) {
    const s = conn.streams.get(id)
    if (s === undefined) continue
    frames.push(
      { type: FrameType.StreamMaxMoney, streamId: id, receiveMax: s.receiveMax, totalReceived: s.totalReceived },
      { type: FrameType.StreamMaxData, streamId: id, maxOffset: s.dataMaxOffset },
    )
  }
  if (outcome.kind === 'reject' && outcome.reason === 'stream-closed') {
    for (const id of outcome.closedStreams) frames.push({ type: FrameType.StreamClose, streamId: id, errorCode: StreamErrorCode.StreamStateError, errorMessage: 'stream is closed' })
  }
  if (outcome.kind === 'fulfill' && conn.receipt !== undefined) {
    for (const c of outcome.credits) {
      if (c.streamId > 255n) continue // RFC 39 receipts carry the stream ID as a UInt8
      const totalReceived = conn.streams.get(c.streamId)!.totalReceived
      const receipt = createReceipt({ nonce: conn.receipt.nonce, streamId: Number(c.streamId), totalReceived }, conn.receipt.secret)
      frames.push({ type: FrameType.StreamReceipt, streamId: c.streamId, receipt })
    }
  }
  return frames
}
