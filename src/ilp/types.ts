/** ILPv4 packet types (RFC 27 §"Packet Format"): the envelope's type byte. */
export enum IlpPacketType {
  Prepare = 12,
  Fulfill = 13,
  Reject = 14,
}

/**
 * Decoded packets keep the exact bytes they came from under this symbol, so a connector can relay a
 * Fulfill/Reject byte-for-byte and forward a Prepare with only amount and expiry patched (RFC 27: those are
 * the only fields a connector changes). Fields are readonly: a packet with RAW must never be mutated.
 */
export const RAW: unique symbol = Symbol('ilp.raw')

export interface IlpPrepare {
  readonly type: IlpPacketType.Prepare
  readonly amount: bigint
  readonly expiresAt: Date
  readonly executionCondition: Uint8Array
  readonly destination: string
  readonly data: Uint8Array
  readonly [RAW]?: Uint8Array
}

export interface IlpFulfill {
  readonly type: IlpPacketType.Fulfill
  readonly fulfillment: Uint8Array
  readonly data: Uint8Array
  readonly [RAW]?: Uint8Array
}

export interface IlpReject {
  readonly type: IlpPacketType.Reject
  readonly code: string
  readonly triggeredBy: string
  readonly message: string
  readonly data: Uint8Array
  readonly [RAW]?: Uint8Array
}

export type IlpReply = IlpFulfill | IlpReject
export type IlpPacket = IlpPrepare | IlpFulfill | IlpReject

/** Input shapes for builders: `type` is implied by the function. */
export type IlpPrepareFields = Omit<IlpPrepare, 'type' | typeof RAW>
export type IlpFulfillFields = Omit<IlpFulfill, 'type' | typeof RAW>
export type IlpRejectFields = Omit<IlpReject, 'type' | typeof RAW>

export function isFulfill(reply: IlpReply): reply is IlpFulfill {
  return reply.type === IlpPacketType.Fulfill
}

export function isReject(reply: IlpReply): reply is IlpReject {
  return reply.type === IlpPacketType.Reject
}
