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

/**
 * Codec-internal: a packet's fields as decoding (or patchPrepare) made them, the byte fields being views of
 * RAW. While a field is still this very value, RAW holds it (raw.ts): an O(1) check, where proving that two
 * views share memory would ask each for its ArrayBuffer, a slow call into V8. Spreading a packet copies these
 * along with RAW, and a field the spread replaced no longer matches.
 */
export const RAW_CONDITION: unique symbol = Symbol('ilp.raw.condition')
export const RAW_DESTINATION: unique symbol = Symbol('ilp.raw.destination')
export const RAW_FULFILLMENT: unique symbol = Symbol('ilp.raw.fulfillment')
export const RAW_DATA: unique symbol = Symbol('ilp.raw.data')

export interface IlpPrepare {
  readonly type: IlpPacketType.Prepare
  readonly amount: bigint
  readonly expiresAt: Date
  readonly executionCondition: Uint8Array
  readonly destination: string
  readonly data: Uint8Array
  readonly [RAW]?: Uint8Array
  readonly [RAW_CONDITION]?: Uint8Array
  readonly [RAW_DESTINATION]?: string
  readonly [RAW_DATA]?: Uint8Array
}

export interface IlpFulfill {
  readonly type: IlpPacketType.Fulfill
  readonly fulfillment: Uint8Array
  readonly data: Uint8Array
  readonly [RAW]?: Uint8Array
  readonly [RAW_FULFILLMENT]?: Uint8Array
  readonly [RAW_DATA]?: Uint8Array
}

export interface IlpReject {
  readonly type: IlpPacketType.Reject
  readonly code: string
  readonly triggeredBy: string
  readonly message: string
  readonly data: Uint8Array
  readonly [RAW]?: Uint8Array
  readonly [RAW_DATA]?: Uint8Array
}

export type IlpReply = IlpFulfill | IlpReject
export type IlpPacket = IlpPrepare | IlpFulfill | IlpReject

/** Input shapes for builders: `type` is implied by the function. */
export type IlpPrepareFields = Omit<IlpPrepare, 'type' | typeof RAW | typeof RAW_CONDITION | typeof RAW_DESTINATION | typeof RAW_DATA>
export type IlpFulfillFields = Omit<IlpFulfill, 'type' | typeof RAW | typeof RAW_FULFILLMENT | typeof RAW_DATA>
export type IlpRejectFields = Omit<IlpReject, 'type' | typeof RAW | typeof RAW_DATA>

export function isFulfill(reply: IlpReply): reply is IlpFulfill {
  return reply.type === IlpPacketType.Fulfill
}

export function isReject(reply: IlpReply): reply is IlpReject {
  return reply.type === IlpPacketType.Reject
}
