/**
 * Sending bytes on the payment stream (RFC 29 §"StreamData", §"Flow Control"): chunks go out in order within
 * the receiver's StreamMaxData (and ConnectionMaxData when it gave one); a chunk is done when its packet is
 * fulfilled, and a rejected chunk is sent again with the identical offset and bytes.
 */
import { FrameType, type StreamDataFrame } from './frames.js'
import { STREAM_DATA_PER_PACKET_MAX } from './limits.js'

export interface Chunk {
  readonly offset: number
  readonly length: number
}

export interface DataSendState {
  readonly bytes: Uint8Array
  /** First byte never sent. */
  nextOffset: number
  acked: number
  /** Chunks whose packets were rejected, to send again first. */
  readonly resend: Chunk[]
  /** The receiver's StreamMaxData for the stream (0 until it says). */
  remoteMax: bigint
  remoteConnectionMax?: bigint
}

export function newDataSend(bytes: Uint8Array): DataSendState {
  return { bytes, nextOffset: 0, acked: 0, resend: [], remoteMax: 0n }
}

export function dataDone(d: DataSendState | undefined): boolean {
  return d === undefined || d.acked >= d.bytes.length
}

/** Whether takeChunk would return a chunk now. */
export function chunkReady(d: DataSendState | undefined): boolean {
  if (d === undefined) return false
  if (d.resend.length > 0) return true
  const limit = d.remoteConnectionMax !== undefined && d.remoteConnectionMax < d.remoteMax ? d.remoteConnectionMax : d.remoteMax
  return d.nextOffset < d.bytes.length && BigInt(d.nextOffset) < limit
}

/** The next chunk the receiver has room for, or undefined. Marks it as sent. */
export function takeChunk(d: DataSendState | undefined): Chunk | undefined {
  if (d === undefined) return undefined
  const again = d.resend.shift()
  if (again) return again
  let limit = d.remoteMax
  if (d.remoteConnectionMax !== undefined && d.remoteConnectionMax < limit) limit = d.remoteConnectionMax
  const end = Math.min(d.bytes.length, d.nextOffset + STREAM_DATA_PER_PACKET_MAX, Number(limit < BigInt(d.bytes.length) ? limit : BigInt(d.bytes.length)))
  if (end <= d.nextOffset) return undefined
  const chunk = { offset: d.nextOffset, length: end - d.nextOffset }
  d.nextOffset = end
  return chunk
}

export function chunkFrame(d: DataSendState, streamId: bigint, chunk: Chunk): StreamDataFrame {
  return { type: FrameType.StreamData, streamId, offset: BigInt(chunk.offset), data: d.bytes.subarray(chunk.offset, chunk.offset + chunk.length) }
}

export function chunkAcked(d: DataSendState, chunk: Chunk): void {
  d.acked += chunk.length
}

export function chunkLost(d: DataSendState, chunk: Chunk): void {
  d.resend.push(chunk)
  d.resend.sort((a, b) => a.offset - b.offset)
}

/** Limits only grow (RFC 29): smaller advertisements are ignored. */
export function raiseRemoteMax(d: DataSendState, maxOffset: bigint): void {
  if (maxOffset > d.remoteMax) d.remoteMax = maxOffset
}

export function raiseRemoteConnectionMax(d: DataSendState, maxOffset: bigint): void {
  if (d.remoteConnectionMax === undefined || maxOffset > d.remoteConnectionMax) d.remoteConnectionMax = maxOffset
}
