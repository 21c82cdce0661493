/**
 * Sending one STREAM packet over ILP and reading its answer (RFC 29 §"Sending"): build and encrypt the
 * packet, derive the condition (or a random one for probes and closes), send it, check the Fulfill, and
 * decrypt the authentic STREAM reply if there is one. Transport failures come back as Reject values.
 */
import { IlpErrorCode, reject } from '../ilp/errors.js'
import { IlpPacketType, type IlpPrepare, type IlpReject, type IlpReply } from '../ilp/types.js'
import { CodecError } from '../oer/errors.js'
import { bytesEqual, decryptStreamPacket, encryptStreamPacket, ENCRYPTION_OVERHEAD, fulfillmentFor, randomCondition, sha256, type StreamKeys } from './crypto.js'
import type { Frame } from './frames.js'
import type { StreamPacket } from './packet.js'
import { createReplyDeadlines, type ReplyDeadlines } from './reply-deadlines.js'

export type SendPrepare = (prepare: IlpPrepare, signal?: AbortSignal) => Promise<IlpReply>

/** Grace after a Prepare's expiry before we stop waiting for an answer (the link should answer R00 first). */
export const REPLY_GRACE_MS = 1_000

export interface PacketRequest {
  readonly sequence: bigint
  /** ILP amount (source units). */
  readonly amount: bigint
  /** Minimum the receiver should accept (destination units): the STREAM prepareAmount. */
  readonly minDelivery: bigint
  readonly frames: readonly Frame[]
  /** False for probes and closes: the condition is random, nobody can fulfill. */
  readonly fulfillable: boolean
}

export type PacketResult =
  | { readonly kind: 'fulfill'; readonly reply?: StreamPacket }
  | { readonly kind: 'reject'; readonly reject: IlpReject; readonly reply?: StreamPacket }

export interface PacketContext {
  readonly keys: StreamKeys
  readonly destinationAccount: string
  readonly send: SendPrepare
  readonly expiryWindowMs: number
  readonly now: () => number
  /** Passed to `send` as is: aborting it abandons every packet of the payment. */
  readonly signal?: AbortSignal
  /** The shared timer that stops waiting on a packet whose reply never came (one per payment). */
  readonly deadlines?: ReplyDeadlines
}

export async function sendStreamPacket(ctx: PacketContext, req: PacketRequest): Promise<PacketResult> {
  const packet: StreamPacket = { sequence: req.sequence, packetType: IlpPacketType.Prepare, amount: req.minDelivery, frames: req.frames }
  const data = encryptStreamPacket(ctx.keys.encryptionKey, packet)
  const fulfillment = req.fulfillable ? fulfillmentFor(ctx.keys.fulfillmentKey, data) : undefined
  const executionCondition = fulfillment !== undefined ? sha256(fulfillment) : randomCondition()
  const expiresAtMs = ctx.now() + ctx.expiryWindowMs
  const prepare: IlpPrepare = {
    type: IlpPacketType.Prepare,
    amount: req.amount,
    expiresAt: new Date(expiresAtMs),
    executionCondition,
    destination: ctx.destinationAccount,
    data,
  }
  const reply = await sendWithDeadline(ctx, prepare, ctx.expiryWindowMs + REPLY_GRACE_MS)
  if (reply.type === IlpPacketType.Fulfill) {
    // RFC 27: a Fulfill that does not match is no Fulfill. We made the condition from `fulfillment`, so the
    // reply matches exactly when it carries those bytes (no hash needed); a random condition has no preimage.
    if (fulfillment === undefined || !bytesEqual(reply.fulfillment, fulfillment)) {
      return { kind: 'reject', reject: reject(IlpErrorCode.F05_WRONG_CONDITION, '', 'fulfillment does not match the condition') }
    }
    const streamReply = readReply(ctx.keys, reply.data, req.sequence, IlpPacketType.Fulfill)
    return streamReply ? { kind: 'fulfill', reply: streamReply } : { kind: 'fulfill' }
  }
  // JS senders only read reply data on F99; any authentic reply is safe to read.
  const streamReply = reply.data.length > 0 ? readReply(ctx.keys, reply.data, req.sequence, IlpPacketType.Reject) : undefined
  return streamReply ? { kind: 'reject', reject: reply, reply: streamReply } : { kind: 'reject', reject: reply }
}

/** The STREAM reply if it is authentic and answers this packet (same sequence, right type); else undefined. */
function readReply(keys: StreamKeys, data: Uint8Array, sequence: bigint, type: IlpPacketType): StreamPacket | undefined {
  // Shorter than IV + tag: not STREAM data (an F08's amounts, 16 bytes, on every probe); no CodecError to build.
  if (data.length < ENCRYPTION_OVERHEAD) return undefined
  try {
    const packet = decryptStreamPacket(keys.encryptionKey, data)
    return packet.sequence === sequence && packet.packetType === type ? packet : undefined
  } catch (e) {
    if (e instanceof CodecError) return undefined
    throw e
  }
}

/**
 * Sends and waits at most `deadlineMs`; a thrown link error becomes T01, a missing answer R00. The link gets
 * the payment's signal, not one per packet: links bound each request by the Prepare's expiry themselves.
 */
function sendWithDeadline(ctx: PacketContext, prepare: IlpPrepare, deadlineMs: number): Promise<IlpReply> {
  return (ctx.deadlines ?? createReplyDeadlines()).race(
    ctx.send(prepare, ctx.signal),
    deadlineMs,
    () => reject(IlpErrorCode.R00_TRANSFER_TIMED_OUT, '', 'no reply before the packet expired'),
    (e) => reject(IlpErrorCode.T01_PEER_UNREACHABLE, '', `link failed: ${errorText(e)}`),
  )
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
