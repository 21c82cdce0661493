/**
 * ILPv4 packet codec (RFC 27 §"Packet Format", ASN.1 InterledgerProtocol.asn), written here rather than taken
 * from a library because it is the hot path: sizes are computed first and each packet is one allocation;
 * decoding returns views of the input (zero-copy) and keeps the envelope bytes under `RAW` so a connector can
 * forward a Prepare with amount and expiry patched in place, and relay replies byte-for-byte.
 */
import { CodecError } from '../oer/errors.js'
import { Reader, latin1, uint64At } from '../oer/reader.js'
import { allocBytes, copyBytes } from '../oer/alloc.js'
import { lengthPrefixSize } from '../oer/writer.js'
import { ILP_ADDRESS_MAX_LENGTH, isValidIlpAddress } from './address.js'
import { ILP_TIMESTAMP_LENGTH, readIlpTimestamp, readIlpTimestampMs, writeIlpTimestamp } from './timestamp.js'
import {
  IlpPacketType,
  RAW,
  type IlpFulfill,
  type IlpPacket,
  type IlpPrepare,
  type IlpReject,
  type IlpReply,
} from './types.js'

/** `data` is `OCTET STRING (SIZE (0..32767))` in InterledgerProtocol.asn (RFC 34 repeats the limit). */
export const ILP_DATA_MAX_LENGTH = 32767
/** Reject `message` is `UTF8String (SIZE (0..8191))` in InterledgerProtocol.asn. */
export const ILP_MESSAGE_MAX_LENGTH = 8191
export const CONDITION_LENGTH = 32
export const FULFILLMENT_LENGTH = 32
const UINT64_MAX = 0xffff_ffff_ffff_ffffn

const utf8Lenient = new TextDecoder('utf-8')
const utf8Encoder = new TextEncoder()

// ---------------------------------------------------------------------------------------------- encoding

/** Allocates the packet and writes its envelope (type ‖ length determinant); the body starts at `bodyStart`. */
function envelope(type: number, bodyLength: number): Uint8Array {
  const bytes = allocBytes(bodyStart(bodyLength) + bodyLength)
  bytes[0] = type
  writeLength(bytes, 1, bodyLength)
  return bytes
}

function bodyStart(bodyLength: number): number {
  return 1 + lengthPrefixSize(bodyLength)
}

function writeLength(bytes: Uint8Array, at: number, length: number): number {
  if (length < 0x80) {
    bytes[at] = length
    return at + 1
  }
  const n = lengthPrefixSize(length) - 1
  bytes[at++] = 0x80 | n
  for (let i = n - 1; i >= 0; i--) bytes[at++] = (length >>> (8 * i)) & 0xff
  return at
}

/** The caller has validated `s` as an address (ASCII only). */
function writeAscii(bytes: Uint8Array, at: number, s: string): number {
  at = writeLength(bytes, at, s.length)
  for (let i = 0; i < s.length; i++) bytes[at++] = s.charCodeAt(i)
  return at
}

function writeOctets(bytes: Uint8Array, at: number, data: Uint8Array): number {
  at = writeLength(bytes, at, data.length)
  bytes.set(data, at)
  return at + data.length
}

/** Big-endian UInt64 without a DataView; the caller has range-checked `v`. */
function writeUInt64(bytes: Uint8Array, at: number, v: bigint): void {
  let hi: number
  let lo: number
  if (v <= 0xffff_ffffn) {
    hi = 0
    lo = Number(v)
  } else {
    hi = Number(v >> 32n)
    lo = Number(v & 0xffff_ffffn)
  }
  bytes[at] = hi >>> 24
  bytes[at + 1] = (hi >>> 16) & 0xff
  bytes[at + 2] = (hi >>> 8) & 0xff
  bytes[at + 3] = hi & 0xff
  bytes[at + 4] = lo >>> 24
  bytes[at + 5] = (lo >>> 16) & 0xff
  bytes[at + 6] = (lo >>> 8) & 0xff
  bytes[at + 7] = lo & 0xff
}

function checkAmount(amount: unknown): asserts amount is bigint {
  if (typeof amount !== 'bigint' || amount < 0n || amount > UINT64_MAX) {
    throw new CodecError('OER_VALUE_OUT_OF_RANGE', `amount ${String(amount)} is not a UInt64`)
  }
}

function checkData(data: Uint8Array): void {
  if (!(data instanceof Uint8Array)) throw new CodecError('ILP_INVALID_FIELD', 'data must be a Uint8Array')
  if (data.length > ILP_DATA_MAX_LENGTH) {
    throw new CodecError('ILP_DATA_TOO_LONG', `data is ${data.length} bytes; the maximum is ${ILP_DATA_MAX_LENGTH}`)
  }
}

function checkFixed(name: string, bytes: Uint8Array, length: number): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new CodecError('ILP_INVALID_FIELD', `${name} must be ${length} bytes`)
  }
}

/** `[A-Z0-9]{3}`: the shape of every code in use (RFC 27 names F/T/R codes; peers send e.g. F09). */
function isWellFormedCode(b0: number, b1: number, b2: number): boolean {
  return isUpperAlnum(b0) && isUpperAlnum(b1) && isUpperAlnum(b2)
}

function isUpperAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90)
}

/**
 * A Prepare's RAW bytes still describe it if amount and expiry (the only fields a hop changes) match them.
 * This guards against `{ ...decoded, amount }`, which copies RAW along with the other fields.
 */
function rawMatches(p: Omit<IlpPrepare, 'type'>, raw: Uint8Array): boolean {
  const at = raw[1]! < 0x80 ? 2 : 2 + (raw[1]! & 0x7f)
  return uint64At(raw, at) === p.amount && p.expiresAt instanceof Date && readIlpTimestampMs(raw, at + 8) === p.expiresAt.getTime()
}

/** Encodes a Prepare; a decoded or patched Prepare returns its RAW bytes (checked against amount and expiry). */
export function encodePrepare(p: Omit<IlpPrepare, 'type'>): Uint8Array {
  const raw = p[RAW]
  if (raw !== undefined && rawMatches(p, raw)) return raw
  checkAmount(p.amount)
  checkFixed('executionCondition', p.executionCondition, CONDITION_LENGTH)
  if (!isValidAddressMemo(p.destination)) throw new CodecError('ILP_INVALID_ADDRESS', `invalid destination address: ${JSON.stringify(p.destination)}`)
  checkData(p.data)
  const dest = p.destination
  const body =
    8 + ILP_TIMESTAMP_LENGTH + CONDITION_LENGTH + lengthPrefixSize(dest.length) + dest.length + lengthPrefixSize(p.data.length) + p.data.length
  const bytes = envelope(IlpPacketType.Prepare, body)
  const at = bodyStart(body)
  writeUInt64(bytes, at, p.amount)
  writeIlpTimestamp(bytes, at + 8, p.expiresAt)
  const c = p.executionCondition
  for (let i = 0, j = at + 8 + ILP_TIMESTAMP_LENGTH; i < CONDITION_LENGTH; i++) bytes[j + i] = c[i]! // faster than set() for 32 bytes
  let i = writeAscii(bytes, at + 8 + ILP_TIMESTAMP_LENGTH + CONDITION_LENGTH, dest)
  i = writeOctets(bytes, i, p.data)
  return bytes
}

export function encodeFulfill(p: Omit<IlpFulfill, 'type'>): Uint8Array {
  const raw = p[RAW]
  if (raw !== undefined) return raw
  checkFixed('fulfillment', p.fulfillment, FULFILLMENT_LENGTH)
  checkData(p.data)
  const body = FULFILLMENT_LENGTH + lengthPrefixSize(p.data.length) + p.data.length
  const bytes = envelope(IlpPacketType.Fulfill, body)
  const at = bodyStart(body)
  bytes.set(p.fulfillment, at)
  writeOctets(bytes, at + FULFILLMENT_LENGTH, p.data)
  return bytes
}

export function encodeReject(p: Omit<IlpReject, 'type'>): Uint8Array {
  const raw = p[RAW]
  if (raw !== undefined) return raw
  const code = p.code
  if (typeof code !== 'string' || code.length !== 3 || !isWellFormedCode(code.charCodeAt(0), code.charCodeAt(1), code.charCodeAt(2))) throw new CodecError('ILP_INVALID_CODE', `invalid error code: ${JSON.stringify(p.code)}`)
  // Empty triggeredBy is legal per the ASN (SIZE 0..1023) and sent by JS STREAM; see protocol-notes §13.4.
  if (p.triggeredBy !== '' && !isValidIlpAddress(p.triggeredBy)) {
    throw new CodecError('ILP_INVALID_ADDRESS', `invalid triggeredBy address: ${JSON.stringify(p.triggeredBy)}`)
  }
  checkData(p.data)
  if (typeof p.message !== 'string') throw new CodecError('ILP_INVALID_FIELD', 'message must be a string')
  const message = utf8Encoder.encode(p.message)
  if (message.length > ILP_MESSAGE_MAX_LENGTH) {
    throw new CodecError('ILP_INVALID_FIELD', `message is ${message.length} bytes; the maximum is ${ILP_MESSAGE_MAX_LENGTH}`)
  }
  const by = p.triggeredBy
  const body = 3 + lengthPrefixSize(by.length) + by.length + lengthPrefixSize(message.length) + message.length + lengthPrefixSize(p.data.length) + p.data.length
  const bytes = envelope(IlpPacketType.Reject, body)
  const at = bodyStart(body)
  bytes[at] = code.charCodeAt(0)
  bytes[at + 1] = code.charCodeAt(1)
  bytes[at + 2] = code.charCodeAt(2)
  let i = writeAscii(bytes, at + 3, by)
  i = writeOctets(bytes, i, message)
  writeOctets(bytes, i, p.data)
  return bytes
}

export function encodeIlpPacket(packet: IlpPacket): Uint8Array {
  switch (packet.type) {
    case IlpPacketType.Prepare:
      return encodePrepare(packet)
    case IlpPacketType.Fulfill:
      return encodeFulfill(packet)
    case IlpPacketType.Reject:
      return encodeReject(packet)
    default:
      throw new CodecError('ILP_UNKNOWN_TYPE', `unknown ILP packet type ${(packet as { type: unknown }).type}`)
  }
}

// ---------------------------------------------------------------------------------------------- decoding

/**
 * Reads the envelope (type ‖ length determinant) and returns a reader limited to exactly the contents.
 * Bytes after the envelope are ignored (RFC 30: extra bytes at the end of a message MUST be ignored), and so
 * are bytes after the last known field inside it (RFC 30 extensibility, protocol-notes §13.5).
 */
function openEnvelope(bytes: Uint8Array, expected: number): Reader {
  if (!(bytes instanceof Uint8Array)) throw new CodecError('ILP_INVALID_FIELD', 'packet must be a Uint8Array')
  const type = bytes.length > 0 ? bytes[0]! : -1
  if (type !== expected && !(expected === ANY_TYPE && type >= IlpPacketType.Prepare && type <= IlpPacketType.Reject)) {
    if (type === -1) throw new CodecError('OER_TRUNCATED', 'empty input: no ILP packet type')
    throw new CodecError('ILP_UNKNOWN_TYPE', `expected ${typeName(expected)}, got type ${type}`)
  }
  const body = new Reader(bytes, 1)
  body.narrow(body.readLengthPrefix())
  return body
}

const ANY_TYPE = 0

function typeName(type: number): string {
  return type === ANY_TYPE ? 'an ILP packet type (12, 13 or 14)' : `ILP packet type ${type}`
}

function readData(r: Reader): Uint8Array {
  const data = r.readVarOctetString()
  if (data.length > ILP_DATA_MAX_LENGTH) {
    throw new CodecError('ILP_DATA_TOO_LONG', `data is ${data.length} bytes; the maximum is ${ILP_DATA_MAX_LENGTH}`)
  }
  return data
}

/** Most Reject messages are short ASCII; decoding those directly skips TextDecoder's native call. */
function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i]! > 0x7f) return false
  return true
}

/** The envelope's bytes: the input itself when nothing trails it (the usual case), else a view. */
function envelopeOf(bytes: Uint8Array, body: Reader): Uint8Array {
  return body.limit === bytes.length ? bytes : bytes.subarray(0, body.limit)
}

/**
 * Address memos. Packets come in runs to one destination (every packet of a STREAM connection, a connector's
 * busy routes): comparing with the last valid address is cheaper than the RFC 15 regex, and on decode equal
 * bytes give back the same string without building a new one. Equal input implies an equal result, so the
 * memos cannot change what is accepted.
 */
let lastEncodedAddress = ''
let lastDecodedAddress = ''
let lastDecodedAddressBytes = new Uint8Array(0)

function isValidAddressMemo(address: string): boolean {
  if (address === lastEncodedAddress && address !== '') return true
  if (!isValidIlpAddress(address)) return false
  lastEncodedAddress = address
  return true
}

function sameBytes(bytes: Uint8Array, start: number, expected: Uint8Array): boolean {
  for (let i = 0; i < expected.length; i++) if (bytes[start + i] !== expected[i]) return false
  return true
}

function readAddress(r: Reader, field: string, allowEmpty: boolean): string {
  const length = r.readLengthPrefix()
  if (length > ILP_ADDRESS_MAX_LENGTH) throw new CodecError('ILP_INVALID_ADDRESS', `${field} is longer than ${ILP_ADDRESS_MAX_LENGTH} characters`)
  const start = r.cursor
  if (length > 0 && length === lastDecodedAddressBytes.length && length <= r.remaining && sameBytes(r.buffer, start, lastDecodedAddressBytes)) {
    r.skip(length)
    return lastDecodedAddress
  }
  // latin1 keeps bytes above 0x7f as chars above 0x7f, which the address check rejects.
  const s = r.readLatin1(length)
  if (allowEmpty && s === '') return s
  if (!isValidIlpAddress(s)) throw new CodecError('ILP_INVALID_ADDRESS', `invalid ${field} address: ${JSON.stringify(s)}`)
  lastDecodedAddress = s
  lastDecodedAddressBytes = new Uint8Array(r.buffer.subarray(start, start + length)) // a copy, even of a Buffer
  return s
}

function prepareFrom(bytes: Uint8Array, body: Reader): IlpPrepare {
  const amount = body.readUInt64()
  const at = body.cursor
  body.skip(ILP_TIMESTAMP_LENGTH)
  const expiresAt = readIlpTimestamp(bytes, at)
  const executionCondition = body.readOctetString(CONDITION_LENGTH)
  const destination = readAddress(body, 'destination', false)
  const data = readData(body)
  const raw = envelopeOf(bytes, body)
  return { type: IlpPacketType.Prepare, amount, expiresAt, executionCondition, destination, data, [RAW]: raw }
}

function fulfillFrom(bytes: Uint8Array, body: Reader): IlpFulfill {
  const fulfillment = body.readOctetString(FULFILLMENT_LENGTH)
  const data = readData(body)
  return { type: IlpPacketType.Fulfill, fulfillment, data, [RAW]: envelopeOf(bytes, body) }
}

function rejectFrom(bytes: Uint8Array, body: Reader): IlpReject {
  const at = body.cursor
  body.skip(3)
  if (!isWellFormedCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!)) {
    throw new CodecError('ILP_INVALID_CODE', `invalid error code: ${JSON.stringify(latin1(bytes.subarray(at, at + 3)))}`)
  }
  const code = String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!)
  const triggeredBy = readAddress(body, 'triggeredBy', true)
  const length = body.readLengthPrefix()
  if (length > ILP_MESSAGE_MAX_LENGTH) {
    throw new CodecError('ILP_INVALID_FIELD', `message is ${length} bytes; the maximum is ${ILP_MESSAGE_MAX_LENGTH}`)
  }
  // Lenient UTF-8 here: a peer's malformed message text must not stop its Reject from being relayed
  // (the raw bytes are relayed unchanged anyway). Short ASCII messages skip TextDecoder's native call.
  const message = isAscii(bytes, body.cursor, body.cursor + length) ? body.readLatin1(length) : utf8Lenient.decode(body.readOctetString(length))
  const data = readData(body)
  return { type: IlpPacketType.Reject, code, triggeredBy, message, data, [RAW]: envelopeOf(bytes, body) }
}

/**
 * Decodes any ILP packet. Byte fields are views of `bytes`: do not reuse the input buffer while the packet
 * is alive. Throws `CodecError` for anything that is not a valid packet.
 */
export function decodeIlpPacket(bytes: Uint8Array): IlpPacket {
  const body = openEnvelope(bytes, ANY_TYPE)
  switch (bytes[0]) {
    case IlpPacketType.Prepare:
      return prepareFrom(bytes, body)
    case IlpPacketType.Fulfill:
      return fulfillFrom(bytes, body)
    default:
      return rejectFrom(bytes, body)
  }
}

export function decodePrepare(bytes: Uint8Array): IlpPrepare {
  return prepareFrom(bytes, openEnvelope(bytes, IlpPacketType.Prepare))
}

export function decodeFulfill(bytes: Uint8Array): IlpFulfill {
  return fulfillFrom(bytes, openEnvelope(bytes, IlpPacketType.Fulfill))
}

export function decodeReject(bytes: Uint8Array): IlpReject {
  return rejectFrom(bytes, openEnvelope(bytes, IlpPacketType.Reject))
}

/** Decodes a Fulfill or Reject; a Prepare where a reply was expected is an error. */
export function decodeReply(bytes: Uint8Array): IlpReply {
  const packet = decodeIlpPacket(bytes)
  if (packet.type === IlpPacketType.Prepare) throw new CodecError('ILP_UNKNOWN_TYPE', 'expected a Fulfill or Reject, got a Prepare')
  return packet
}

// ---------------------------------------------------------------------------------------------- forwarding

/**
 * The outgoing Prepare of a connector hop: the same packet with only `amount` and `expiresAt` changed
 * (RFC 27 step 6). With the incoming bytes at hand this is one copy and two fixed-size writes, no re-encoding.
 */
export function patchPrepare(prepare: IlpPrepare, amount: bigint, expiresAt: Date): IlpPrepare {
  checkAmount(amount)
  const next: IlpPrepare = {
    type: IlpPacketType.Prepare,
    amount,
    expiresAt,
    executionCondition: prepare.executionCondition,
    destination: prepare.destination,
    data: prepare.data,
  }
  const src = prepare[RAW]
  if (src === undefined) return next
  const raw = copyBytes(src) // never Buffer#slice: on a Buffer that is a view, and we would patch the input
  const at = src[1]! < 0x80 ? 2 : 2 + (src[1]! & 0x7f) // amount is the first body field
  writeUInt64(raw, at, amount)
  writeIlpTimestamp(raw, at + 8, expiresAt)
  return { ...next, [RAW]: raw }
}

/** The encoded bytes of a packet: the same as encodeIlpPacket (which reuses RAW bytes where they are current). */
export function packetBytes(packet: IlpPacket): Uint8Array {
  return encodeIlpPacket(packet)
}


