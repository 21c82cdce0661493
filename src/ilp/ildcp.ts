/**
 * ILDCP, the Interledger Dynamic Configuration Protocol (RFC 31): a child asks its parent for its ILP address
 * and asset. The request is an ILP Prepare to `peer.config` with the fixed peer-protocol condition; the
 * answer is a Fulfill with the fixed all-zero fulfillment whose data is `DynamicConfigurationResponseData`
 * (clientAddress IA5 var string ‖ assetScale UInt8 ‖ assetCode UTF-8 var string), or a Reject.
 */
import { CodecError } from '../oer/errors.js'
import { Reader, latin1 } from '../oer/reader.js'
import { Writer, utf8Length, varOctetStringSize } from '../oer/writer.js'
import { ILP_ADDRESS_MAX_LENGTH, isValidIlpAddress } from './address.js'
import { IlpErrorCode, reject } from './errors.js'
import { decodeFulfill, encodePrepare } from './packet.js'
import { IlpPacketType, type IlpFulfill, type IlpPrepare, type IlpReply } from './types.js'

/** RFC 31: the request's destination. */
export const ILDCP_DESTINATION = 'peer.config'

/** RFC 31 / RFC 34 peer protocols: the fulfillment is 32 zero bytes... */
export const PEER_PROTOCOL_FULFILLMENT: Uint8Array = new Uint8Array(32)

/** ...so the condition is SHA-256(0^32) = 66687aad…2925 (`Zmh6rf…KSU=`). */
export const PEER_PROTOCOL_CONDITION: Uint8Array = new Uint8Array(
  Buffer.from('66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925', 'hex'),
)

/** Request lifetime used by the reference client (ilp-protocol-ildcp: now + 60 s); RFC 31 leaves it open. */
export const ILDCP_REQUEST_EXPIRY_MS = 60_000

/** assetScale is a UInt8 (RFC 31 ASN `DynamicConfigurationResponseData`). */
export const ILDCP_ASSET_SCALE_MAX = 255

export interface IldcpResponse {
  readonly clientAddress: string
  readonly assetScale: number
  readonly assetCode: string
}

const EMPTY = new Uint8Array(0)

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

// ---------------------------------------------------------------------------------------------- response data

export function encodeIldcpResponseData(response: IldcpResponse): Uint8Array {
  const { clientAddress, assetScale, assetCode } = response
  if (!isValidIlpAddress(clientAddress)) {
    throw new CodecError('ILP_INVALID_ADDRESS', `invalid clientAddress: ${JSON.stringify(clientAddress)}`)
  }
  if (!Number.isInteger(assetScale) || assetScale < 0 || assetScale > ILDCP_ASSET_SCALE_MAX) {
    throw new CodecError('OER_VALUE_OUT_OF_RANGE', `assetScale ${assetScale} is not a UInt8`)
  }
  const size = varOctetStringSize(clientAddress.length) + 1 + varOctetStringSize(utf8Length(assetCode))
  const w = new Writer(size)
  w.writeVarAsciiString(clientAddress)
  w.writeUInt8(assetScale)
  w.writeVarUtf8String(assetCode)
  return w.finish()
}

/** Decodes the Fulfill data of a response. Bytes after assetCode are ignored (RFC 30 extensibility). */
export function decodeIldcpResponseData(data: Uint8Array): IldcpResponse {
  const r = new Reader(data)
  const length = r.readLengthPrefix()
  if (length > ILP_ADDRESS_MAX_LENGTH) {
    throw new CodecError('ILP_INVALID_ADDRESS', `clientAddress is longer than ${ILP_ADDRESS_MAX_LENGTH} characters`)
  }
  // latin1 keeps non-ASCII bytes as chars above 0x7f, which the address check rejects.
  const clientAddress = latin1(r.readOctetString(length))
  if (!isValidIlpAddress(clientAddress)) {
    throw new CodecError('ILP_INVALID_ADDRESS', `invalid clientAddress: ${JSON.stringify(clientAddress)}`)
  }
  const assetScale = r.readUInt8()
  const assetCode = r.readVarUtf8String()
  return { clientAddress, assetScale, assetCode }
}

// ---------------------------------------------------------------------------------------------- packets

export interface IldcpRequestOptions {
  /** Clock in ms since the epoch; the request expires ILDCP_REQUEST_EXPIRY_MS later unless expiresAt is given. */
  readonly now: () => number
  readonly expiresAt?: Date
  readonly data?: Uint8Array
}

/** The request Prepare a child sends to its parent: amount 0, `peer.config`, the peer-protocol condition. */
export function ildcpRequest(options: IldcpRequestOptions): IlpPrepare {
  return {
    type: IlpPacketType.Prepare,
    amount: 0n,
    expiresAt: options.expiresAt ?? new Date(options.now() + ILDCP_REQUEST_EXPIRY_MS),
    executionCondition: PEER_PROTOCOL_CONDITION,
    destination: ILDCP_DESTINATION,
    data: options.data ?? EMPTY,
  }
}

export function encodeIldcpRequest(options: IldcpRequestOptions): Uint8Array {
  return encodePrepare(ildcpRequest(options))
}

/** The Fulfill a parent answers with. */
export function ildcpResponse(response: IldcpResponse): IlpFulfill {
  return { type: IlpPacketType.Fulfill, fulfillment: PEER_PROTOCOL_FULFILLMENT, data: encodeIldcpResponseData(response) }
}

/** Decodes the parent's Fulfill (packet bytes): checks the fixed fulfillment, then reads the data. */
export function decodeIldcpResponse(bytes: Uint8Array): IldcpResponse {
  return ildcpResponseFromFulfill(decodeFulfill(bytes))
}

export function ildcpResponseFromFulfill(fulfill: IlpFulfill): IldcpResponse {
  if (!equalBytes(fulfill.fulfillment, PEER_PROTOCOL_FULFILLMENT)) {
    throw new CodecError('ILDCP_INVALID', 'ILDCP response does not carry the peer-protocol fulfillment (32 zero bytes)')
  }
  return decodeIldcpResponseData(fulfill.data)
}

// ---------------------------------------------------------------------------------------------- serving

/** Why a Prepare is not an acceptable ILDCP request (the checks of the reference server). */
export type IldcpRequestProblem =
  | { readonly kind: 'wrong-destination'; readonly message: string }
  | { readonly kind: 'wrong-condition'; readonly message: string }
  | { readonly kind: 'expired'; readonly message: string }

/** Checks destination, condition and expiry; `undefined` means the request is acceptable. */
export function validateIldcpRequest(prepare: IlpPrepare, now: number): IldcpRequestProblem | undefined {
  if (prepare.destination !== ILDCP_DESTINATION) {
    return { kind: 'wrong-destination', message: `ILDCP requests go to ${ILDCP_DESTINATION}, not ${prepare.destination}` }
  }
  if (!equalBytes(prepare.executionCondition, PEER_PROTOCOL_CONDITION)) {
    return { kind: 'wrong-condition', message: 'ILDCP request does not carry the peer-protocol condition' }
  }
  if (prepare.expiresAt.getTime() < now) {
    return { kind: 'expired', message: 'ILDCP request has expired' }
  }
  return undefined
}

/**
 * A parent's whole answer to a Prepare: the response Fulfill, or an F00 Reject triggered by the parent
 * (as ilp-protocol-ildcp's `serve` answers) when the request is not acceptable.
 */
export function answerIldcpRequest(prepare: IlpPrepare, now: number, parentAddress: string, response: IldcpResponse): IlpReply {
  const problem = validateIldcpRequest(prepare, now)
  if (problem !== undefined) return reject(IlpErrorCode.F00_BAD_REQUEST, parentAddress, problem.message)
  return ildcpResponse(response)
}
