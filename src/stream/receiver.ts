/**
 * A STREAM receiver (server): turns incoming ILP Prepares addressed below its address into Fulfills or
 * Rejects. Plug `handlePrepare` in as the packet handler of a local account. Connection set-up is stateless
 * (credentials.ts); a connection's record exists from its first authentic packet until it idles out.
 *
 * Money is reported once, at fulfill time, through `onMoney`; a replayed Prepare (a sequence already seen on
 * the connection) is refused, so it can never be reported twice.
 */
import { IlpErrorCode, reject } from '../ilp/errors.js'
import { IlpPacketType, type IlpPrepare, type IlpReject, type IlpReply } from '../ilp/types.js'
import { CodecError } from '../oer/errors.js'
import { MAX_UINT64 } from '../oer/reader.js'
import { decryptStreamPacket, deriveStreamKeys } from './crypto.js'
import { createTokenCodec, tokenOf, type ReceiptSetup, type StreamCredentials } from './credentials.js'
import { newConnection, type ConnectionDefaults, type ConnectionRecord } from './connection.js'

export type { ConnectionSummary, DataReceived, MoneyReceived } from './receive.js'
import { closeLocally } from './receive-apply.js'
import { createEventFeed } from './event-feed.js'
import {
  receivePacket,
  streamReplyReject,
  summaryOf,
  type ConnectionSummary,
  type DataReceived,
  type MoneyReceived,
  type ReceiveDeps,
} from './receive.js'
import { FrameType, StreamErrorCode } from './frames.js'
import type { StreamPacket } from './packet.js'
import {
  DEFAULT_CONNECTION_MAX_DATA,
  DEFAULT_CONNECTIONS_MAX,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_STREAM_ID,
  DEFAULT_STREAM_MAX_DATA,
  MONEY_FEED_QUEUE_MAX,
  TOMBSTONE_MAX_MS,
} from './limits.js'

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
  /**
   * Money as it is fulfilled (after `onMoney` accepted it), as an async iterable. A consumer that falls
   * MONEY_FEED_QUEUE_MAX events behind gets a FeedOverflowError; `close()` ends every iteration.
   */
  money(signal?: AbortSignal): AsyncIterableIterator<MoneyReceived>
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
    peerStreamParity: 1n,
    maxStreamId: options.maxStreamId ?? DEFAULT_MAX_STREAM_ID,
    connectionMaxData: options.connectionMaxData ?? DEFAULT_CONNECTION_MAX_DATA,
    streamReceiveMax: options.streamReceiveMax ?? MAX_UINT64,
    streamMaxData: options.streamMaxData ?? DEFAULT_STREAM_MAX_DATA,
  }
  const ours = { assetCode: options.assetCode, assetScale: options.assetScale }
  const tokens = createTokenCodec(options.serverSecret)
  const live = new Map<string, ConnectionRecord>()
  /**
   * Connections that idled out, with the time until which a replay of one of their Prepares could still
   * arrive (their latest expiry, at least one idle period, at most TOMBSTONE_MAX_MS): a late packet must not
   * reopen them with a fresh replay window. Expired Prepares are refused R00 before that.
   */
  const tombstones = new Map<string, number>()
  let totalReceived = 0n
  const moneyFeed = createEventFeed<MoneyReceived>(MONEY_FEED_QUEUE_MAX)

  const sweep = setInterval(() => sweepIdle(), Math.max(1_000, Math.floor(idleTimeoutMs / 4)))
  sweep.unref()

  function sweepIdle(): void {
    const t = now()
    for (const [id, conn] of live) {
      if (t - conn.lastActivityMs < idleTimeoutMs) continue
      live.delete(id)
      tombstones.set(id, Math.min(t + TOMBSTONE_MAX_MS, Math.max(t + idleTimeoutMs, conn.latestExpiryMs)))
      options.onConnectionClosed?.(summaryOf(conn))
    }
    for (const [id, until] of tombstones) if (t >= until) tombstones.delete(id)
  }

  const rejectAs = (code: string, message = ''): IlpReject => reject(code, options.address, message)

  const streamReject = (conn: ConnectionRecord, request: StreamPacket, amount: bigint, frames: StreamPacket['frames']): IlpReject =>
    streamReplyReject(options.address, conn, request, amount, frames)

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
    else if (live.size >= connectionsMax) return streamReject(fresh, packet, prepare.amount, [{ type: FrameType.ConnectionClose, errorCode: StreamErrorCode.EndpointBusy, errorMessage: 'too many connections' }])
    else live.set(token, fresh)
    return { conn: fresh, packet }
  }

  const receiveDeps: ReceiveDeps = {
    address: options.address,
    ours,
    defaults,
    now,
    ...(options.onMoney && { onMoney: options.onMoney }),
    ...(options.onData && { onData: options.onData }),
    ...(options.onConnectionClosed && { onConnectionClosed: options.onConnectionClosed }),
    onFulfilled: (amount, event) => {
      totalReceived += amount
      if (event) moneyFeed.push(event)
    },
  }

  /** Synchronous unless the application's onMoney is async (receive.ts). */
  function handle(prepare: IlpPrepare): IlpReply | Promise<IlpReply> {
    // RFC 27: an expired Prepare cannot be fulfilled. Refusing it here also bounds how long replays matter.
    if (prepare.expiresAt.getTime() <= now()) return rejectAs(IlpErrorCode.R00_TRANSFER_TIMED_OUT, 'the packet expired')
    const token = tokenOf(options.address, prepare.destination)
    if (token === undefined) return rejectAs(IlpErrorCode.F02_UNREACHABLE, 'no connection token in the destination')
    const found = connectionFor(token, prepare)
    if ('type' in found) return found
    return receivePacket(receiveDeps, found.conn, found.packet, prepare)
  }

  return {
    address: options.address,
    generateCredentials(opts = {}) {
      const { token, sharedSecret } = tokens.create(opts.receipt)
      return { destinationAccount: `${options.address}.${token}`, sharedSecret, receiptsEnabled: opts.receipt !== undefined }
    },
    handlePrepare(prepare) {
      // Not an async function: each async layer costs the packet microtask hops (one answer per packet).
      const internalError = (): IlpReject => rejectAs(IlpErrorCode.T00_INTERNAL_ERROR, 'internal error')
      try {
        const reply = handle(prepare)
        return reply instanceof Promise ? reply.catch(internalError) : Promise.resolve(reply)
      } catch {
        return Promise.resolve(internalError())
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
    money: (signal) => moneyFeed.subscribe(signal),
    expireIdle: sweepIdle,
    close() {
      clearInterval(sweep)
      moneyFeed.close()
    },
  }
}
