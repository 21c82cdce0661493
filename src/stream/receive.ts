/**
 * Receiving one authentic STREAM packet on a known connection: decide (receive-decide.ts), apply
 * (receive-apply.ts), ask the application, reply. Shared by the receiver (server) and the sender's own
 * connection when the far end sends packets back (STREAM is two-way).
 */
import { IlpErrorCode, reject } from '../ilp/errors.js'
import { IlpPacketType, type IlpFulfill, type IlpPrepare, type IlpReject, type IlpReply } from '../ilp/types.js'
import { bytesEqual, encryptStreamPacket, fulfillmentFor, sha256 } from './crypto.js'
import type { ConnectionDefaults, ConnectionRecord } from './connection.js'
import { decideIncoming, type Credit } from './receive-decide.js'
import { applyControl, applyCredits, applyData, closeLocally, replyFrames, revertCredits, type DataDelivery, type OurDetails } from './receive-apply.js'
import type { StreamPacket } from './packet.js'

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

export interface ReceiveDeps {
  /** Our address: `triggeredBy` of our Rejects. */
  readonly address: string
  readonly ours: OurDetails
  readonly defaults: ConnectionDefaults
  readonly now: () => number
  readonly onMoney?: (event: MoneyReceived) => void | IlpReject | Promise<void | IlpReject>
  readonly onData?: (event: DataReceived) => void
  readonly onConnectionClosed?: (summary: ConnectionSummary) => void
  /** Called once per Fulfill after the application accepted it (`event` when the packet carried money). */
  readonly onFulfilled?: (amount: bigint, event: MoneyReceived | undefined) => void
}

/** F99 with the encrypted STREAM reply (the convention of both reference implementations). */
export function streamReplyReject(address: string, conn: ConnectionRecord, request: StreamPacket, amount: bigint, frames: StreamPacket['frames']): IlpReject {
  const data = encryptStreamPacket(conn.keys.encryptionKey, { sequence: request.sequence, packetType: IlpPacketType.Reject, amount, frames })
  return reject(IlpErrorCode.F99_APPLICATION_ERROR, address, '', data)
}

/**
 * `packet` is the decrypted data of `prepare`, already checked to be a STREAM Prepare. Never throws on input.
 * Synchronous unless the application's `onMoney` answers with a promise (one async hop less per packet).
 */
export function receivePacket(deps: ReceiveDeps, conn: ConnectionRecord, packet: StreamPacket, prepare: IlpPrepare): IlpReply | Promise<IlpReply> {
  const { defaults, ours } = deps
  conn.lastActivityMs = deps.now()
  const expiryMs = prepare.expiresAt.getTime()
  if (expiryMs > conn.latestExpiryMs) conn.latestExpiryMs = expiryMs
  if (conn.sequences.has(packet.sequence)) return streamReplyReject(deps.address, conn, packet, prepare.amount, [])
  conn.sequences.add(packet.sequence)

  const fulfillment = fulfillmentFor(conn.keys.fulfillmentKey, prepare.data)
  const fulfillable = bytesEqual(sha256(fulfillment), prepare.executionCondition)
  const { control, outcome } = decideIncoming(conn, defaults, packet, prepare.amount, fulfillable)
  applyControl(conn, control, defaults)
  if (outcome.kind === 'close') {
    closeLocally(conn, outcome.code, outcome.message)
    deps.onConnectionClosed?.(summaryOf(conn))
  }
  if (outcome.kind !== 'fulfill') {
    const frames = replyFrames(conn, control, outcome, ours)
    finishRemoteClose(deps, conn, control.remoteClose)
    return streamReplyReject(deps.address, conn, packet, prepare.amount, frames)
  }

  applyCredits(conn, outcome.credits)
  const event = outcome.credits.length > 0 ? moneyEvent(conn, packet.sequence, prepare.amount, outcome.credits) : undefined
  const accepted = (refused: IlpReject | undefined): IlpReply => {
    if (refused) {
      revertCredits(conn, outcome.credits)
      return refused
    }
    deps.onFulfilled?.(prepare.amount, event)
    deliver(deps, conn, applyData(conn, outcome.data, defaults))
    const frames = replyFrames(conn, control, outcome, ours)
    finishRemoteClose(deps, conn, control.remoteClose)
    const data = encryptStreamPacket(conn.keys.encryptionKey, { sequence: packet.sequence, packetType: IlpPacketType.Fulfill, amount: prepare.amount, frames })
    const fulfill: IlpFulfill = { type: IlpPacketType.Fulfill, fulfillment, data }
    return fulfill
  }
  const answer = event && askApplication(deps, event)
  return answer instanceof Promise ? answer.then(accepted) : accepted(answer)
}

function moneyEvent(conn: ConnectionRecord, sequence: bigint, amount: bigint, credits: readonly Credit[]): MoneyReceived {
  return {
    connectionId: conn.id,
    sequence,
    amount,
    streams: credits.map((c) => ({ streamId: c.streamId, amount: c.amount, totalReceived: conn.streams.get(c.streamId)!.totalReceived })),
    connectionTotal: conn.totalReceived,
    ...(conn.receipt && { receiptNonce: conn.receipt.nonce }),
  }
}

/** The application's verdict on the money: undefined accepts, a Reject refuses; a throw or a rejected promise is T00. */
function askApplication(deps: ReceiveDeps, event: MoneyReceived): IlpReject | undefined | Promise<IlpReject | undefined> {
  if (deps.onMoney === undefined) return undefined
  const failed = (): IlpReject => reject(IlpErrorCode.T00_INTERNAL_ERROR, deps.address, 'receiver could not accept the money')
  let answer: void | IlpReject | Promise<void | IlpReject>
  try {
    answer = deps.onMoney(event)
  } catch {
    return failed()
  }
  // Any thenable (not only a native Promise), as `await` would take it.
  if (isThenable(answer)) return Promise.resolve(answer).then((a) => a ?? undefined, failed)
  return answer ?? undefined
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
}

function deliver(deps: ReceiveDeps, conn: ConnectionRecord, deliveries: readonly DataDelivery[]): void {
  if (deps.onData === undefined) return
  for (const d of deliveries) deps.onData({ connectionId: conn.id, ...d })
}

function finishRemoteClose(deps: ReceiveDeps, conn: ConnectionRecord, remoteClose: { code: number; message: string } | undefined): void {
  if (remoteClose === undefined || conn.state.kind === 'closed') return
  conn.state = { kind: 'closed', by: 'remote', ...remoteClose }
  deps.onConnectionClosed?.(summaryOf(conn))
}

export function summaryOf(c: ConnectionRecord): ConnectionSummary {
  return {
    id: c.id,
    state: c.state.kind,
    ...(c.remoteAddress !== undefined && { remoteAddress: c.remoteAddress }),
    ...(c.remoteAsset && { remoteAssetCode: c.remoteAsset.code, remoteAssetScale: c.remoteAsset.scale }),
    totalReceived: c.totalReceived,
    streams: c.streams.size,
  }
}
