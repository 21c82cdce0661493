/**
 * A STREAM receiver (server): turns incoming ILP Prepares addressed below its address into Fulfills or
 * Rejects. Plug `handlePrepare` in as the packet handler of a local account. Connection set-up is stateless
 * (credentials.ts); a connection's record exists from its first authentic packet until it idles out.
 *
 * Money is reported once, at fulfill time, through `onMoney`; a replayed Prepare (a sequence already seen on
 * the connection) is refused, so it can never be reported twice.
 */
import { IlpErrorCode, reject } from '../ilp/errors.js'
import { IlpPacketType, type IlpFulfill, type IlpPrepare, type IlpReject, type IlpReply } from '../ilp/types.js'
import { CodecError } from '../oer/errors.js'
import { MAX_UINT64 } from '../oer/reader.js'
import { bytesEqual, decryptStreamPacket, deriveStreamKeys, encryptStreamPacket, fulfillmentFor, sha256 } from './crypto.js'
import { createTokenCodec, tokenOf, type ReceiptSetup, type StreamCredentials } from './credentials.js'
import { newConnection, type ConnectionDefaults, type ConnectionRecord } from './connection.js'
import { decideIncoming, type Credit } from './receive-decide.js'
import { applyControl, applyCredits, applyData, closeLocally, replyFrames, revertCredits, type DataDelivery } from './receive-apply.js'
import { StreamErrorCode } from './frames.js'
import type { StreamPacket } from './packet.js'
import {
  DEFAULT_CONNECTION_MAX_DATA,
  DEFAULT_CONNECTIONS_MAX,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_STREAM_ID,
  DEFAULT_STREAM_MAX_DATA,
} from './limits.js'

export interface MoneyReceived {
  readonly connectionId: string
  readonly sequence: bigint
  /** The whole Prepare amount, in the receiver's units. */
  readonly amount: bigint
  readonly streams: ReadonlyArray<{ readonly streamId: bigint; readonly amount: bigint; readonly totalReceived: bigint }>
  /** Connection total after this packet. */
  readonly connectionTotal: bigint
  /** The receipt setup the connection was created with, if any. */
  readonly receiptNonce?: Uint8Array
}

export interface DataReceived {
  readonly connectionId: string
  readonly streamId: bigint
  readonly offset: bigint
  readonly data: Uint8Array
}

export interface ConnectionSummary {
  readonly id: string
  readonly state: 'open' | 'closed'
  readonly remoteAddress?: string
  readonly remoteAssetCode?: string
  readonly remoteAssetScale?: number
  readonly totalReceived: bigint
  readonly streams: number
}

export interface StreamReceiverOptions {
  /** The receiver's ILP address; connections live at `address.<token>`. */
  readonly address: string
  /** 32 random bytes; every connection's secret derives from it. */
  readonly serverSecret: Uint8Array
  readonly assetCode: string
  readonly assetScale: number
  /** StreamMaxMoney per stream (default 2^64-1: no limit). */
  readonly streamReceiveMax?: bigint
  readonly connectionMaxData?: bigint
  readonly streamMaxData?: bigint
  readonly maxStreamId?: bigint
  readonly idleTimeoutMs?: number
  readonly connectionsMax?: number
  readonly now?: () => number
  /**
   * Called before the Fulfill is returned, after the credit is applied to the connection. Return (or resolve
   * to) an IlpReject to refuse the money (e.g. F07 account full): the credit is rolled back and that Reject
   * answers the sender. A throw becomes T00 and is rolled back too.
   */
  readonly onMoney?: (event: MoneyReceived) => void | IlpReject | Promise<void | IlpReject>
  /** In-order bytes of data streams, delivered when their packet is fulfilled. */
  readonly onData?: (event: DataReceived) => void
  readonly onConnectionClosed?: (summary: ConnectionSummary) => void
}

export interface StreamReceiver {
  readonly address: string
  /** Fresh credentials for one sender (SPSP). Nothing is stored. */
  generateCredentials(options?: { readonly receipt?: ReceiptSetup }): StreamCredentials
  /** The packet handler: never throws, every failure is a Reject value. */
  handlePrepare(prepare: IlpPrepare): Promise<IlpReply>
  connection(id: string): ConnectionSummary | undefined
  connections(): ConnectionSummary[]
  /** Money fulfilled on all connections since start. */
  readonly totalReceived: bigint
  /** Closes a connection locally; its next packet is answered with ConnectionClose. */
  closeConnection(id: string, code?: StreamErrorCode, message?: string): void
  /** Forgets connections idle for longer than the idle timeout now (a timer also does it every quarter of it). */
  expireIdle(): void
  /** Stops the idle sweep timer. */
  close(): void
}

export function createStreamReceiver(options: StreamReceiverOptions): StreamReceiver {
  const now = options.now ?? Date.now
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS
  const connectionsMax = options.connectionsMax ?? DEFAULT_CONNECTIONS_MAX
  const defaults: ConnectionDefaults = {
    maxStreamId: options.maxStreamId ?? DEFAULT_MAX_STREAM_ID,
    connectionMaxData: options.connectionMaxData ?? DEFAULT_CONNECTION_MAX_DATA,
    streamReceiveMax: options.streamReceiveMax ?? MAX_UINT64,
    streamMaxData: options.streamMaxData ?? DEFAULT_STREAM_MAX_DATA,
  }
  const ours = { assetCode: options.assetCode, assetScale: options.assetScale }
  const tokens = createTokenCodec(options.serverSecret)
  const live = new Map<string, ConnectionRecord>()
  /** Connections that idled out: a late packet must not reopen them (it could replay money). */
  const tombstones = new Map<string, number>()
  let totalReceived = 0n

  const sweep = setInterval(() => sweepIdle(), Math.max(1_000, Math.floor(idleTimeoutMs / 4)))
  sweep.unref()

  function sweepIdle(): void {
    const t = now()
    for (const [id, conn] of live) {
      if (t - conn.lastActivityMs < idleTimeoutMs) continue
      live.delete(id)
      tombstones.set(id, t)
      options.onConnectionClosed?.(summaryOf(conn))
    }
    for (const [id, at] of tombstones) if (t - at >= idleTimeoutMs) tombstones.delete(id)
  }

  const rejectAs = (code: string, message = ''): IlpReject => reject(code, options.address, message)

  /** F99 with the encrypted STREAM reply (the convention of both reference implementations). */
  function streamReject(conn: ConnectionRecord, request: StreamPacket, amount: bigint, frames: StreamPacket['frames']): IlpReject {
    const data = encryptStreamPacket(conn.keys.encryptionKey, { sequence: request.sequence, packetType: IlpPacketType.Reject, amount, frames })
    return reject(IlpErrorCode.F99_APPLICATION_ERROR, options.address, '', data)
  }

  function connectionFor(token: string, prepare: IlpPrepare): { conn: ConnectionRecord; packet: StreamPacket } | IlpReject {
    const existing = live.get(token)
    const parsed = existing ? undefined : tokens.parse(token)
    if (!existing && !parsed) return rejectAs(IlpErrorCode.F02_UNREACHABLE, 'unknown connection')
    const keys = existing?.keys ?? deriveStreamKeys(parsed!.sharedSecret)
    let packet: StreamPacket
    try {
      packet = decryptStreamPacket(keys.encryptionKey, prepare.data)
    } catch (e) {
      if (e instanceof CodecError) return rejectAs(IlpErrorCode.F06_UNEXPECTED_PAYMENT, 'cannot decrypt or decode STREAM data')
      throw e
    }
    // RFC 29: a STREAM packet on the wrong ILP packet type MUST be discarded.
    if (packet.packetType !== IlpPacketType.Prepare) return rejectAs(IlpErrorCode.F06_UNEXPECTED_PAYMENT, 'STREAM packet type does not match')
    if (existing) return { conn: existing, packet }
    const fresh = newConnection(token, keys, parsed!.receipt, defaults, now())
    if (tombstones.has(token)) closeLocally(fresh, StreamErrorCode.NoError, 'connection idled out')
    else if (live.size >= connectionsMax) return streamReject(fresh, packet, prepare.amount, [{ type: 1, errorCode: StreamErrorCode.EndpointBusy, errorMessage: 'too many connections' }])
    else live.set(token, fresh)
    return { conn: fresh, packet }
  }

  async function handle(prepare: IlpPrepare): Promise<IlpReply> {
    const token = tokenOf(options.address, prepare.destination)
    if (token === undefined) return rejectAs(IlpErrorCode.F02_UNREACHABLE, 'no connection token in the destination')
    const found = connectionFor(token, prepare)
    if ('type' in found) return found
    const { conn, packet } = found
    conn.lastActivityMs = now()

    if (conn.sequences.has(packet.sequence)) return streamReject(conn, packet, prepare.amount, [])
    conn.sequences.add(packet.sequence)

    const fulfillment = fulfillmentFor(conn.keys.fulfillmentKey, prepare.data)
    const fulfillable = bytesEqual(sha256(fulfillment), prepare.executionCondition)
    const { control, outcome } = decideIncoming(conn, defaults, packet, prepare.amount, fulfillable)
    applyControl(conn, control, defaults)
    if (outcome.kind === 'close') closeLocally(conn, outcome.code, outcome.message)
    if (outcome.kind !== 'fulfill') {
      const frames = replyFrames(conn, control, outcome, ours)
      finishRemoteClose(conn, control.remoteClose)
      return streamReject(conn, packet, prepare.amount, frames)
    }

    applyCredits(conn, outcome.credits)
    const refused = await askApplication(conn, packet.sequence, prepare.amount, outcome.credits)
    if (refused) {
      revertCredits(conn, outcome.credits)
      return refused
    }
    totalReceived += prepare.amount
    deliver(conn, applyData(conn, outcome.data, defaults))
    const frames = replyFrames(conn, control, outcome, ours)
    finishRemoteClose(conn, control.remoteClose)
    const data = encryptStreamPacket(conn.keys.encryptionKey, { sequence: packet.sequence, packetType: IlpPacketType.Fulfill, amount: prepare.amount, frames })
    const fulfill: IlpFulfill = { type: IlpPacketType.Fulfill, fulfillment, data }
    return fulfill
  }

  async function askApplication(conn: ConnectionRecord, sequence: bigint, amount: bigint, credits: readonly Credit[]): Promise<IlpReject | undefined> {
    if (options.onMoney === undefined || credits.length === 0) return undefined
    const event: MoneyReceived = {
      connectionId: conn.id,
      sequence,
      amount,
      streams: credits.map((c) => ({ streamId: c.streamId, amount: c.amount, totalReceived: conn.streams.get(c.streamId)!.totalReceived })),
      connectionTotal: conn.totalReceived,
      ...(conn.receipt && { receiptNonce: conn.receipt.nonce }),
    }
    try {
      const answer = await options.onMoney(event)
      return answer ?? undefined
    } catch {
      return rejectAs(IlpErrorCode.T00_INTERNAL_ERROR, 'receiver could not accept the money')
    }
  }

  function deliver(conn: ConnectionRecord, deliveries: readonly DataDelivery[]): void {
    if (options.onData === undefined) return
    for (const d of deliveries) options.onData({ connectionId: conn.id, ...d })
  }

  function finishRemoteClose(conn: ConnectionRecord, remoteClose: { code: number; message: string } | undefined): void {
    if (remoteClose === undefined || conn.state.kind === 'closed') return
    conn.state = { kind: 'closed', by: 'remote', ...remoteClose }
    options.onConnectionClosed?.(summaryOf(conn))
  }

  return {
    address: options.address,
    generateCredentials(opts = {}) {
      const { token, sharedSecret } = tokens.create(opts.receipt)
      return { destinationAccount: `${options.address}.${token}`, sharedSecret, receiptsEnabled: opts.receipt !== undefined }
    },
    async handlePrepare(prepare) {
      try {
        return await handle(prepare)
      } catch {
        return rejectAs(IlpErrorCode.T00_INTERNAL_ERROR, 'internal error')
      }
    },
    connection: (id) => {
      const c = live.get(id)
      return c && summaryOf(c)
    },
    connections: () => [...live.values()].map(summaryOf),
    get totalReceived() {
      return totalReceived
    },
    closeConnection(id, code = StreamErrorCode.NoError, message = '') {
      const c = live.get(id)
      if (c) closeLocally(c, code, message)
    },
    expireIdle: sweepIdle,
    close() {
      clearInterval(sweep)
    },
  }
}

function summaryOf(c: ConnectionRecord): ConnectionSummary {
  return {
    id: c.id,
    state: c.state.kind,
    ...(c.remoteAddress !== undefined && { remoteAddress: c.remoteAddress }),
    ...(c.remoteAsset && { remoteAssetCode: c.remoteAsset.code, remoteAssetScale: c.remoteAsset.scale }),
    totalReceived: c.totalReceived,
    streams: c.streams.size,
  }
}
