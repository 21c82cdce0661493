/**
 * ILPv4 packet codec (RFC 27 §"Packet Format", ASN.1 InterledgerProtocol.asn), written here rather than taken
 * from a library because it is the hot path: sizes are computed first and each packet is one allocation;
 * decoding returns views of the input (zero-copy) and keeps the envelope bytes under `RAW` so a connector can
 * forward a Prepare with amount and expiry patched in place, and relay replies byte-for-byte.
 */
import { CodecError } from '../oer/errors.js'
import { Reader, latin1 } from '../oer/reader.js'
import { lengthPrefixSize } from '../oer/writer.js'
import { ILP_ADDRESS_MAX_LENGTH, isValidIlpAddress } from './address.js'
import { ILP_TIMESTAMP_LENGTH, readIlpTimestamp, writeIlpTimestamp } from './timestamp.js'
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

function envelope(type: number, bodyLength: number): { bytes: Uint8Array; at: number } {
  const header = 1 + lengthPrefixSize(bodyLength)
  const bytes = new Uint8Array(header + bodyLength)
  bytes[0] = type
  writeLength(bytes, 1, bodyLength)
  return { bytes, at: header }
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

function checkData(data: Uint8Array): void {
  if (data.length > ILP_DATA_MAX_LENGTH) {
    throw new CodecError('ILP_DATA_TOO_LONG', `data is ${data.length} bytes; the maximum is ${ILP_DATA_MAX_LENGTH}`)
  }
}

function checkFixed(name: string, bytes: Uint8Array, length: number): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new CodecError('ILP_INVALID_FIELD', `${name} must be ${length} bytes`)
  }
}

export function encodePrepare(p: Omit<IlpPrepare, 'type'>): Uint8Array {
  const raw = p[RAW]
  if (raw !== undefined) return raw
  if (typeof p.amount !== 'bigint' || p.amount < 0n || p.amount > UINT64_MAX) {
    throw new CodecError('OER_VALUE_OUT_OF_RANGE', `amount ${String(p.amount)} is not a UInt64`)
  }
  checkFixed('executionCondition', p.executionCondition, CONDITION_LENGTH)
  if (!isValidIlpAddress(p.destination)) throw new CodecError('ILP_INVALID_ADDRESS', `invalid destination address: ${JSON.stringify(p.destination)}`)
  checkData(p.data)
  const dest = p.destination
  const body =
    8 + ILP_TIMESTAMP_LENGTH + CONDITION_LENGTH + lengthPrefixSize(dest.length) + dest.length + lengthPrefixSize(p.data.length) + p.data.length
  const { bytes, at } = envelope(IlpPacketType.Prepare, body)
  new DataView(bytes.buffer).setBigUint64(at, p.amount)
  writeIlpTimestamp(bytes, at + 8, p.expiresAt)
  bytes.set(p.executionCondition, at + 8 + ILP_TIMESTAMP_LENGTH)
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
  const { bytes, at } = envelope(IlpPacketType.Fulfill, body)
  bytes.set(p.fulfillment, at)
  writeOctets(bytes, at + FULFILLMENT_LENGTH, p.data)
  return bytes
}

export function encodeReject(p: Omit<IlpReject, 'type'>): Uint8Array {
  const raw = p[RAW]
  if (raw !== undefined) return raw
  if (typeof p.code !== 'string' || !/^[A-Z0-9]{3}$/.test(p.code)) throw new CodecError('ILP_INVALID_CODE', `invalid error code: ${JSON.stringify(p.code)}`)
  if (p.triggeredBy !== '' && !isValidIlpAddress(p.triggeredBy)) {
    throw new CodecError('ILP_INVALID_ADDRESS', `invalid triggeredBy address: ${JSON.stringify(p.triggeredBy)}`)
  }
  checkData(p.data)
  const message = utf8Encoder.encode(p.message)
  if (message.length > ILP_MESSAGE_MAX_LENGTH) {
    throw new CodecError('ILP_INVALID_FIELD', `message is ${message.length} bytes; the maximum is ${ILP_MESSAGE_MAX_LENGTH}`)
  }
  const by = p.triggeredBy
  const body = 3 + lengthPrefixSize(by.length) + by.length + lengthPrefixSize(message.length) + message.length + lengthPrefixSize(p.data.length) + p.data.length
  const { bytes, at } = envelope(IlpPacketType.Reject, body)
  bytes[at] = p.code.charCodeAt(0)
  bytes[at + 1] = p.code.charCodeAt(1)
  bytes[at + 2] = p.code.charCodeAt(2)
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

/** Reads the envelope: returns a reader over exactly the contents, and the envelope's end offset. */
function openEnvelope(bytes: Uint8Array, expected?: IlpPacketType): { type: IlpPacketType; body: Reader; end: number } {
  if (!(bytes instanceof Uint8Array)) throw new CodecError('ILP_INVALID_FIELD', 'packet must be a Uint8Array')
  const outer = new Reader(bytes)
  const type = outer.readUInt8()
  if (type !== IlpPacketType.Prepare && type !== IlpPacketType.Fulfill && type !== IlpPacketType.Reject) {
    throw new CodecError('ILP_UNKNOWN_TYPE', `unknown ILP packet type ${type}`)
  }
  if (expected !== undefined && type !== expected) {
    throw new CodecError('ILP_UNKNOWN_TYPE', `expected ILP packet type ${expected}, got ${type}`)
  }
  const length = outer.readLengthPrefix()
  const start = outer.cursor
  outer.skip(length)
  // Bytes after the envelope are ignored (RFC 30: extra bytes at the end of a message MUST be ignored).
  return { type, body: new Reader(bytes, start, start + length), end: start + length }
}

function readData(r: Reader): Uint8Array {
  const data = r.readVarOctetString()
  if (data.length > ILP_DATA_MAX_LENGTH) {
    throw new CodecError('ILP_DATA_TOO_LONG', `data is ${data.length} bytes; the maximum is ${ILP_DATA_MAX_LENGTH}`)
  }
  return data
}

function readAddress(r: Reader, field: string, allowEmpty: boolean): string {
  const length = r.readLengthPrefix()
  if (length > ILP_ADDRESS_MAX_LENGTH) throw new CodecError('ILP_INVALID_ADDRESS', `${field} is longer than ${ILP_ADDRESS_MAX_LENGTH} characters`)
  const bytes = r.readOctetString(length)
  const s = latin1(bytes)
  if (!(allowEmpty && s === '') && !isValidIlpAddress(s)) throw new CodecError('ILP_INVALID_ADDRESS', `invalid ${field} address: ${JSON.stringify(s)}`)
  return s
}

function preparefrom(body: Reader, raw: Uint8Array): IlpPrepare {
  const amount = body.readUInt64()
  const expiresAt = readIlpTimestamp(body.readOctetString(ILP_TIMESTAMP_LENGTH))
  const executionCondition = body.readOctetString(CONDITION_LENGTH)
  const destination = readAddress(body, 'destination', false)
  const data = readData(body)
  return { type: IlpPacketType.Prepare, amount, expiresAt, executionCondition, destination, data, [RAW]: raw }
}

function fulfillFrom(body: Reader, raw: Uint8Array): IlpFulfill {
  const fulfillment = body.readOctetString(FULFILLMENT_LENGTH)
  const data = readData(body)
  return { type: IlpPacketType.Fulfill, fulfillment, data, [RAW]: raw }
}

function rejectFrom(body: Reader, raw: Uint8Array): IlpReject {
  const codeBytes = body.readOctetString(3)
  const code = latin1(codeBytes)
  if (!/^[A-Z0-9]{3}$/.test(code)) throw new CodecError('ILP_INVALID_CODE', `invalid error code: ${JSON.stringify(code)}`)
  const triggeredBy = readAddress(body, 'triggeredBy', true)
  // Lenient UTF-8 here: a peer's malformed message text must not stop its Reject from being relayed
  // (the raw bytes are relayed unchanged anyway).
  const message = utf8Lenient.decode(body.readVarOctetString())
  const data = readData(body)
  return { type: IlpPacketType.Reject, code, triggeredBy, message, data, [RAW]: raw }
}

/**
 * Decodes any ILP packet. Byte fields are views of `bytes`: do not reuse the input buffer while the packet
 * is alive. Throws `CodecError` for anything that is not a valid packet.
 */
export function decodeIlpPacket(bytes: Uint8Array): IlpPacket {
  const { type, body, end } = openEnvelope(bytes)
  const raw = bytes.subarray(0, end)
  switch (type) {
    case IlpPacketType.Prepare:
      return preparefrom(body, raw)
    case IlpPacketType.Fulfill:
      return fulfillFrom(body, raw)
    case IlpPacketType.Reject:
      return rejectFrom(body, raw)
  }
}

export function decodePrepare(bytes: Uint8Array): IlpPrepare {
  const { body, end } = openEnvelope(bytes, IlpPacketType.Prepare)
  return preparefrom(body, bytes.subarray(0, end))
}

export function decodeFulfill(bytes: Uint8Array): IlpFulfill {
  const { body, end } = openEnvelope(bytes, IlpPacketType.Fulfill)
  return fulfillFrom(body, bytes.subarray(0, end))
}

export function decodeReject(bytes: Uint8Array): IlpReject {
  const { body, end } = openEnvelope(bytes, IlpPacketType.Reject)
  return rejectFrom(body, bytes.subarray(0, end))
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
  if (amount < 0n || amount > UINT64_MAX) throw new CodecError('OER_VALUE_OUT_OF_RANGE', `amount ${amount} is not a UInt64`)
  const src = prepare[RAW]
  let raw: Uint8Array | undefined
  if (src !== undefined) {
    raw = src.slice()
    const at = src[1]! < 0x80 ? 2 : 2 + (src[1]! & 0x7f)
    new DataView(raw.buffer, raw.byteOffset, raw.byteLength).setBigUint64(at, amount)
    writeIlpTimestamp(raw, at + 8, expiresAt)
  }
  return {
    type: IlpPacketType.Prepare,
    amount,
    expiresAt,
    executionCondition: prepare.executionCondition,
    destination: prepare.destination,
    data: prepare.data,
    ...(raw !== undefined ? { [RAW]: raw } : {}),
  }
}

/** The encoded bytes of a packet, reusing its RAW bytes when it has them. */
export function packetBytes(packet: IlpPacket): Uint8Array {
  return packet[RAW] ?? encodeIlpPacket(packet)
}


