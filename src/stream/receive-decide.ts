/**
 * What the receiver does with one authentic incoming STREAM Prepare: a pure function of the connection's
 * state and the packet (RFC 29 §"Receiving", protocol-notes §6.3 for the JS order of checks). It returns a
 * decision; receive-apply.ts carries it out. Nothing here mutates.
 */
import { isValidIlpAddress } from '../ilp/address.js'
import { FrameType, StreamErrorCode, type StreamDataFrame } from './frames.js'
import type { StreamPacket } from './packet.js'
import type { ConnectionDefaults, ConnectionRecord } from './connection.js'
import { SEQUENCE_MAX, STREAM_FRAGMENTS_MAX } from './limits.js'

/** Changes that hold whatever the outcome (control frames are applied even when the money is refused). */
export interface ControlEffects {
  readonly openStreams: readonly bigint[]
  readonly remoteCloseStreams: ReadonlyArray<{ readonly id: bigint; readonly code: number; readonly message: string }>
  readonly remoteAddress?: string
  readonly remoteAsset?: { readonly code: string; readonly scale: number }
  readonly remoteClose?: { readonly code: number; readonly message: string }
  /** Streams named in this packet: the reply advertises their limits. */
  readonly touchedStreams: readonly bigint[]
  /** The packet carried connection set-up frames: the reply repeats our asset details. */
  readonly setup: boolean
}

export interface Credit {
  readonly streamId: bigint
  readonly amount: bigint
}

export type RejectReason =
  | 'replay'
  | 'connection-closed'
  | 'no-money-frames'
  | 'below-minimum'
  | 'unfulfillable'
  | 'receive-max'
  | 'stream-closed'

export type Outcome =
  /** The connection must close with this code (ConnectionClose in an F99 reply). */
  | { readonly kind: 'close'; readonly code: StreamErrorCode; readonly message: string }
  | { readonly kind: 'reject'; readonly reason: RejectReason; readonly closedStreams: readonly bigint[] }
  | { readonly kind: 'fulfill'; readonly credits: readonly Credit[]; readonly data: readonly StreamDataFrame[] }

export interface Decision {
  readonly control: ControlEffects
  readonly outcome: Outcome
}

const NO_CONTROL: ControlEffects = { openStreams: [], remoteCloseStreams: [], touchedStreams: [], setup: false }

/** Client-opened streams are odd, server-opened even (RFC 29 §"Stream IDs"); a new ID must be the peer's. */
function isPeerStreamId(id: bigint, defaults: ConnectionDefaults): boolean {
  return id % 2n === defaults.peerStreamParity
}

/**
 * @param amount the ILP Prepare amount that arrived
 * @param fulfillable whether the Prepare's condition is the one this packet's data generates
 */
export function decideIncoming(
  conn: ConnectionRecord,
  defaults: ConnectionDefaults,
  packet: StreamPacket,
  amount: bigint,
  fulfillable: boolean,
): Decision {
  const close = (code: StreamErrorCode, message: string): Decision => ({ control: NO_CONTROL, outcome: { kind: 'close', code, message } })
  if (conn.state.kind === 'closed') return { control: NO_CONTROL, outcome: { kind: 'reject', reason: 'connection-closed', closedStreams: [] } }
  // RFC 29 §"Maximum Packet Count": a side MUST close before sending 2^31 packets.
  if (packet.sequence > SEQUENCE_MAX) return close(StreamErrorCode.ProtocolViolation, `sequence ${packet.sequence} exceeds 2^31`)

  const read = readFrames(conn, defaults, packet)
  if ('code' in read) return close(read.code, read.message)
  const { control, shares, data } = read
  const flow = checkDataFlow(conn, defaults, data)
  if (flow !== undefined) return { control, outcome: { kind: 'close', code: StreamErrorCode.FlowControlError, message: flow } }
  return { control, outcome: decideMoney(conn, defaults, packet, amount, fulfillable, shares, data) }
}

interface FramesRead {
  readonly control: ControlEffects
  readonly shares: Map<bigint, bigint>
  readonly data: StreamDataFrame[]
}

/** One pass over the frames: what they change, the money shares and the data; or why the connection must close. */
function readFrames(conn: ConnectionRecord, defaults: ConnectionDefaults, packet: StreamPacket): FramesRead | { code: StreamErrorCode; message: string } {
  const openStreams: bigint[] = []
  const touched = new Set<bigint>()
  const remoteCloseStreams: Array<{ id: bigint; code: number; message: string }> = []
  const shares = new Map<bigint, bigint>()
  const data: StreamDataFrame[] = []
  let remoteAddress: string | undefined
  let remoteAsset: { code: string; scale: number } | undefined
  let remoteClose: { code: number; message: string } | undefined
  let setup = false

  for (const frame of packet.frames) {
    switch (frame.type) {
      case FrameType.ConnectionClose:
        remoteClose = { code: frame.errorCode, message: frame.errorMessage }
        break
      case FrameType.ConnectionNewAddress:
        setup = true
        if (isValidIlpAddress(frame.sourceAccount)) remoteAddress = frame.sourceAccount
        break
      case FrameType.ConnectionAssetDetails: {
        setup = true
        const known = conn.remoteAsset ?? remoteAsset
        if (known && (known.code !== frame.sourceAssetCode || known.scale !== frame.sourceAssetScale)) {
          return { code: StreamErrorCode.ProtocolViolation, message: 'asset details changed' }
        }
        remoteAsset = { code: frame.sourceAssetCode, scale: frame.sourceAssetScale }
        break
      }
      case FrameType.StreamClose:
        if (conn.streams.has(frame.streamId)) remoteCloseStreams.push({ id: frame.streamId, code: frame.errorCode, message: frame.errorMessage })
        break
      case FrameType.StreamMoney:
      case FrameType.StreamData:
      case FrameType.StreamMaxMoney:
      case FrameType.StreamMaxData: {
        const id = frame.streamId
        if (!conn.streams.has(id) && !touched.has(id)) {
          const refused = refuseNewStream(conn, defaults, id)
          if (refused) return refused
          openStreams.push(id)
        }
        touched.add(id)
        if (frame.type === FrameType.StreamMoney) shares.set(id, (shares.get(id) ?? 0n) + frame.shares)
        if (frame.type === FrameType.StreamData) data.push(frame)
        break
      }
      case FrameType.StreamMoneyBlocked:
      case FrameType.StreamDataBlocked:
        // The sender says it is blocked: answer with the stream's current limits (it does not open a stream).
        if (conn.streams.has(frame.streamId)) touched.add(frame.streamId)
        break
      default:
        // ConnectionMaxData/MaxStreamId (limits for data we do not send back), connection Blocked frames,
        // receipts: no effect.
        break
    }
  }
  const control: ControlEffects = {
    openStreams,
    remoteCloseStreams,
    touchedStreams: [...touched],
    setup,
    ...(remoteAddress !== undefined && { remoteAddress }),
    ...(remoteAsset !== undefined && { remoteAsset }),
    ...(remoteClose !== undefined && { remoteClose }),
  }
  return { control, shares, data }
}

/** RFC 29 §"Stream IDs": a new stream must have the peer's parity and be within the advertised maximum. */
function refuseNewStream(conn: ConnectionRecord, defaults: ConnectionDefaults, id: bigint): { code: StreamErrorCode; message: string } | undefined {
  if (id === 0n || !isPeerStreamId(id, defaults)) return { code: StreamErrorCode.ProtocolViolation, message: `stream ID ${id} has the wrong parity` }
  if (id > conn.maxStreamId) return { code: StreamErrorCode.StreamIdError, message: `stream ID ${id} exceeds the maximum ${conn.maxStreamId}` }
  return undefined
}

function decideMoney(
  conn: ConnectionRecord,
  defaults: ConnectionDefaults,
  packet: StreamPacket,
  amount: bigint,
  fulfillable: boolean,
  shares: Map<bigint, bigint>,
  data: StreamDataFrame[],
): Outcome {
  const reject = (reason: RejectReason, closedStreams: readonly bigint[] = []): Outcome => ({ kind: 'reject', reason, closedStreams })
  let totalShares = 0n
  for (const s of shares.values()) totalShares += s
  if (amount > 0n && totalShares === 0n) return reject('no-money-frames')
  if (packet.amount > amount) return reject('below-minimum')
  if (!fulfillable) return reject('unfulfillable')

  const closed = closedStreamsNamed(conn, shares, data)
  if (closed.length > 0) return reject('stream-closed', closed)

  const credits = splitAmount(amount, shares, totalShares)
  for (const c of credits) {
    const stream = conn.streams.get(c.streamId)
    const total = (stream?.totalReceived ?? 0n) + c.amount
    if (total > (stream?.receiveMax ?? defaults.streamReceiveMax)) return reject('receive-max')
  }
  return { kind: 'fulfill', credits, data }
}

const NONE: readonly bigint[] = []

/** The closed streams this packet sends money or data to (in frame order; an ID may repeat). */
function closedStreamsNamed(conn: ConnectionRecord, shares: ReadonlyMap<bigint, bigint>, data: readonly StreamDataFrame[]): readonly bigint[] {
  let closed: bigint[] | undefined
  for (const id of shares.keys()) if (conn.streams.get(id)?.state.kind === 'closed') (closed ??= []).push(id)
  for (const d of data) if (conn.streams.get(d.streamId)?.state.kind === 'closed') (closed ??= []).push(d.streamId)
  return closed ?? NONE
}

/**
 * amount × shares / Σshares, rounded down; the remainder goes to the lowest stream ID (RFC 29 §"Stream Money
 * Frame": SHOULD). Streams with 0 shares get nothing.
 */
export function splitAmount(amount: bigint, shares: ReadonlyMap<bigint, bigint>, totalShares: bigint): Credit[] {
  if (amount === 0n || totalShares === 0n) return []
  if (shares.size === 1) {
    // One stream (every packet of a single-stream payment): it gets the whole amount.
    const [streamId] = shares.keys()
    return [{ streamId: streamId!, amount }]
  }
  const ids = [...shares.keys()].filter((id) => shares.get(id)! > 0n).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const credits = ids.map((streamId) => ({ streamId, amount: (amount * shares.get(streamId)!) / totalShares }))
  const given = credits.reduce((sum, c) => sum + c.amount, 0n)
  credits[0] = { streamId: credits[0]!.streamId, amount: credits[0]!.amount + (amount - given) }
  return credits
}

/** RFC 29 §"Flow Control": data beyond an advertised StreamMaxData / ConnectionMaxData is a FlowControlError. */
function checkDataFlow(conn: ConnectionRecord, defaults: ConnectionDefaults, data: readonly StreamDataFrame[]): string | undefined {
  if (data.length === 0) return undefined
  const highest = new Map<bigint, bigint>()
  for (const frame of data) {
    const end = frame.offset + BigInt(frame.data.length)
    const stream = conn.streams.get(frame.streamId)
    const max = stream?.dataMaxOffset ?? defaults.streamMaxData
    if (end > max) return `stream ${frame.streamId} data to offset ${end} exceeds StreamMaxData ${max}`
    if (stream && stream.fragments.size >= STREAM_FRAGMENTS_MAX) return `stream ${frame.streamId} has too many out-of-order fragments`
    // An empty frame at offset 0 has end 0: compare with the default, never leave the entry undefined.
    const before = highest.get(frame.streamId) ?? 0n
    highest.set(frame.streamId, end > before ? end : before)
  }
  let total = 0n
  for (const [id, stream] of conn.streams) total += highest.has(id) && highest.get(id)! > stream.dataHighest ? highest.get(id)! : stream.dataHighest
  for (const [id, end] of highest) if (!conn.streams.has(id)) total += end
  if (total > conn.connectionMaxData) return `connection data to ${total} exceeds ConnectionMaxData ${conn.connectionMaxData}`
  return undefined
}
