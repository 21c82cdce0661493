/**
 * BTP 2.0 packet codec (RFC 23, ASN.1 BilateralTransferProtocol.asn; protocol-notes §4).
 *
 * Envelope: `type UInt8 ‖ requestId UInt32 ‖ contents` (var octet string). Contents by type:
 *   1 Response  protocolData
 *   2 Error     code (3 IA5 chars) ‖ name (var IA5) ‖ triggeredAt (var GeneralizedTime) ‖ data (var octets,
 *               0..8192) ‖ protocolData
 *   6 Message   protocolData
 *   7 Transfer  amount UInt64 ‖ protocolData
 * Types 3/4/5 (Prepare/Fulfill/Reject) are in the ASN.1 but not used in BTP 2.0: they decode as an error.
 * protocolData = SEQUENCE OF { protocolName IA5String, contentType UInt8, data OCTET STRING }.
 *
 * Decoding is bounded and throws only `CodecError`. Byte fields are views of the input (zero-copy). Extra
 * bytes after a known-length structure are ignored (RFC 30 extensibility); interledger-rs rejects them.
 * Encoding computes the size first and allocates once. Names are not checked for uniqueness here: that is a
 * rule the link enforces (see `duplicateProtocolName`), and it answers such a request with a BTP Error.
 */
import { CodecError } from '../../oer/errors.js'
import { Reader, latin1 } from '../../oer/reader.js'
import { lengthPrefixSize, varUIntSize, writeLengthAt } from '../../oer/writer.js'
import { GENERALIZED_TIME_MAX_LENGTH, formatGeneralizedTime, readGeneralizedTime, type GeneralizedTimeForm } from './time.js'

export enum BtpPacketType {
  Response = 1,
  Error = 2,
  Message = 6,
  Transfer = 7,
}

/** The named values of ContentType (BilateralTransferProtocol.asn); any UInt8 is valid on the wire. */
export enum BtpContentType {
  ApplicationOctetStream = 0,
  TextPlainUtf8 = 1,
  ApplicationJson = 2,
}

/** `Error.data` is `OCTET STRING (SIZE (0..8192))` in BilateralTransferProtocol.asn. */
export const BTP_ERROR_DATA_MAX_LENGTH = 8192
/** requestId is a UInt32 (RFC 23). */
export const BTP_REQUEST_ID_MAX = 0xffff_ffff
/** Smallest protocolData entry: empty name (1) + contentType (1) + empty data (1). Bounds the entry count. */
const PROTOCOL_DATA_ENTRY_MIN_BYTES = 3

export interface BtpProtocolData {
  readonly protocolName: string
  readonly contentType: number
  readonly data: Uint8Array
}

export interface BtpResponse {
  readonly type: BtpPacketType.Response
  readonly requestId: number
  readonly protocolData: readonly BtpProtocolData[]
}

export interface BtpMessage {
  readonly type: BtpPacketType.Message
  readonly requestId: number
  readonly protocolData: readonly BtpProtocolData[]
}

export interface BtpTransfer {
  readonly type: BtpPacketType.Transfer
  readonly requestId: number
  readonly amount: bigint
  readonly protocolData: readonly BtpProtocolData[]
}

export interface BtpError {
  readonly type: BtpPacketType.Error
  readonly requestId: number
  /** Three characters, e.g. `F00` (RFC 23 §"Error Codes"). */
  readonly code: string
  /** e.g. `NotAcceptedError`. */
  readonly name: string
  readonly triggeredAt: Date
  readonly data: Uint8Array
  readonly protocolData: readonly BtpProtocolData[]
}

export type BtpPacket = BtpResponse | BtpError | BtpMessage | BtpTransfer
export type BtpRequest = BtpMessage | BtpTransfer
export type BtpReply = BtpResponse | BtpError

export function isBtpRequest(packet: BtpPacket): packet is BtpRequest {
  return packet.type === BtpPacketType.Message || packet.type === BtpPacketType.Transfer
}

export interface BtpEncodeOptions {
  /** How Error.triggeredAt is written; default `js` (`.mmmZ`), see time.ts. */
  readonly timeForm?: GeneralizedTimeForm
}

// ---------------------------------------------------------------------------------------------- encoding

const utf8 = new TextEncoder()

function checkAscii(field: string, s: string): void {
  if (typeof s !== 'string') throw new CodecError('BTP_INVALID_FIELD', `${field} must be a string`)
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) throw new CodecError('BTP_INVALID_FIELD', `${field} must be ASCII (IA5String): ${JSON.stringify(s)}`)
  }
}

function checkEntry(entry: BtpProtocolData): void {
  checkAscii('protocolName', entry.protocolName)
  const ct = entry.contentType
  if (!Number.isInteger(ct) || ct < 0 || ct > 0xff) throw new CodecError('BTP_INVALID_FIELD', `contentType ${ct} is not a UInt8`)
  if (!(entry.data instanceof Uint8Array)) throw new CodecError('BTP_INVALID_FIELD', 'protocolData data must be a Uint8Array')
}

function protocolDataSize(entries: readonly BtpProtocolData[]): number {
  if (!Array.isArray(entries)) throw new CodecError('BTP_INVALID_FIELD', 'protocolData must be an array')
  let size = varUIntSize(BigInt(entries.length))
  for (const e of entries) {
    checkEntry(e)
    size += lengthPrefixSize(e.protocolName.length) + e.protocolName.length + 1 + lengthPrefixSize(e.data.length) + e.data.length
  }
  return size
}

const writeLength = writeLengthAt

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

/** SEQUENCE OF quantity, canonical VarUInt (`01 00` for none). */
function writeCount(bytes: Uint8Array, at: number, count: number): number {
  const n = count <= 0xff ? 1 : count <= 0xffff ? 2 : count <= 0xffffff ? 3 : 4
  bytes[at++] = n
  for (let i = n - 1; i >= 0; i--) bytes[at++] = (count >>> (8 * i)) & 0xff
  return at
}

function writeProtocolData(bytes: Uint8Array, at: number, entries: readonly BtpProtocolData[]): number {
  at = writeCount(bytes, at, entries.length)
  for (const e of entries) {
    at = writeAscii(bytes, at, e.protocolName)
    bytes[at++] = e.contentType
    at = writeOctets(bytes, at, e.data)
  }
  return at
}

function checkRequestId(requestId: number): void {
  if (!Number.isInteger(requestId) || requestId < 0 || requestId > BTP_REQUEST_ID_MAX) {
    throw new CodecError('BTP_INVALID_FIELD', `requestId ${requestId} is not a UInt32`)
  }
}

/**
 * Allocates the packet and writes the envelope; returns where the contents start. The bytes come from Node's
 * buffer pool (`allocUnsafe` is ~7x faster than `new Uint8Array` for packet-sized buffers on this hot path),
 * so every encoder MUST write every byte, and the result may be a view into a larger ArrayBuffer
 * (use `byteOffset` with `.buffer`).
 */
function envelope(type: BtpPacketType, requestId: number, contentsLength: number): { bytes: Uint8Array; at: number } {
  checkRequestId(requestId)
  const bytes: Uint8Array = Buffer.allocUnsafe(5 + lengthPrefixSize(contentsLength) + contentsLength)
  bytes[0] = type
  bytes[1] = requestId >>> 24
  bytes[2] = (requestId >>> 16) & 0xff
  bytes[3] = (requestId >>> 8) & 0xff
  bytes[4] = requestId & 0xff
  return { bytes, at: writeLength(bytes, 5, contentsLength) }
}

function encodeError(p: BtpError, form: GeneralizedTimeForm): Uint8Array {
  checkAscii('code', p.code)
  if (p.code.length !== 3) throw new CodecError('BTP_INVALID_FIELD', `error code must be 3 characters: ${JSON.stringify(p.code)}`)
  checkAscii('name', p.name)
  if (!(p.data instanceof Uint8Array)) throw new CodecError('BTP_INVALID_FIELD', 'error data must be a Uint8Array')
  if (p.data.length > BTP_ERROR_DATA_MAX_LENGTH) {
    throw new CodecError('BTP_INVALID_FIELD', `error data is ${p.data.length} bytes; the maximum is ${BTP_ERROR_DATA_MAX_LENGTH}`)
  }
  const time = formatGeneralizedTime(p.triggeredAt, form)
  const size =
    3 + lengthPrefixSize(p.name.length) + p.name.length + 1 + time.length + lengthPrefixSize(p.data.length) + p.data.length + protocolDataSize(p.protocolData)
  const { bytes, at } = envelope(BtpPacketType.Error, p.requestId, size)
  let i = at
  for (let k = 0; k < 3; k++) bytes[i++] = p.code.charCodeAt(k)
  i = writeAscii(bytes, i, p.name)
  i = writeAscii(bytes, i, time)
  i = writeOctets(bytes, i, p.data)
  writeProtocolData(bytes, i, p.protocolData)
  return bytes
}

function encodeTransfer(p: BtpTransfer): Uint8Array {
  if (typeof p.amount !== 'bigint' || p.amount < 0n || p.amount > 0xffff_ffff_ffff_ffffn) {
    throw new CodecError('OER_VALUE_OUT_OF_RANGE', `amount ${String(p.amount)} is not a UInt64`)
  }
  const { bytes, at } = envelope(BtpPacketType.Transfer, p.requestId, 8 + protocolDataSize(p.protocolData))
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setBigUint64(at, p.amount)
  writeProtocolData(bytes, at + 8, p.protocolData)
  return bytes
}

/** Encodes any BTP 2.0 packet. Throws `CodecError` on a field that cannot be encoded. */
export function encodeBtpPacket(packet: BtpPacket, options: BtpEncodeOptions = {}): Uint8Array {
  switch (packet.type) {
    case BtpPacketType.Response:
    case BtpPacketType.Message: {
      const { bytes, at } = envelope(packet.type, packet.requestId, protocolDataSize(packet.protocolData))
      writeProtocolData(bytes, at, packet.protocolData)
      return bytes
    }
    case BtpPacketType.Transfer:
      return encodeTransfer(packet)
    case BtpPacketType.Error:
      return encodeError(packet, options.timeForm ?? 'js')
    default:
      throw new CodecError('BTP_UNKNOWN_TYPE', `unknown BTP packet type ${String((packet as { type: unknown }).type)}`)
  }
}

/**
 * The hot path of the BTP link: a Message (an ILP Prepare) or a Response (its Fulfill/Reject) whose only
 * protocolData entry is `{ilp, octet-stream, packet}`. Same bytes as `encodeBtpPacket`, without the objects.
 */
export function encodeBtpIlp(type: BtpPacketType.Message | BtpPacketType.Response, requestId: number, ilp: Uint8Array): Uint8Array {
  const bytes: Uint8Array = Buffer.allocUnsafe(btpIlpLength(ilp.length))
  writeBtpIlp(bytes, 0, type, requestId, ilp)
  return bytes
}

/** Bytes of an `encodeBtpIlp` packet around `ilpLength` bytes of ILP. */
export function btpIlpLength(ilpLength: number): number {
  // count `01 01` + name `03 'ilp'` + contentType `00` + data
  const contentsLength = 7 + lengthPrefixSize(ilpLength) + ilpLength
  return 5 + lengthPrefixSize(contentsLength) + contentsLength
}

/** Writes the `encodeBtpIlp` packet into `out` at `at` (exactly btpIlpLength(ilp.length) bytes). */
export function writeBtpIlp(out: Uint8Array, at: number, type: BtpPacketType.Message | BtpPacketType.Response, requestId: number, ilp: Uint8Array): void {
  checkRequestId(requestId)
  out[at] = type
  out[at + 1] = requestId >>> 24
  out[at + 2] = (requestId >>> 16) & 0xff
  out[at + 3] = (requestId >>> 8) & 0xff
  out[at + 4] = requestId & 0xff
  at = writeLength(out, at + 5, 7 + lengthPrefixSize(ilp.length) + ilp.length)
  out.set(ILP_ENTRY_HEADER, at)
  writeOctets(out, at + ILP_ENTRY_HEADER.length, ilp)
}

const ILP_ENTRY_HEADER = new Uint8Array([0x01, 0x01, 0x03, 0x69, 0x6c, 0x70, BtpContentType.ApplicationOctetStream])

// ---------------------------------------------------------------------------------------------- decoding

function readAscii(r: Reader, field: string): string {
  const bytes = r.readVarOctetString()
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! > 0x7f) throw new CodecError('BTP_INVALID_FIELD', `${field} is not ASCII (IA5String)`)
  }
  return latin1(bytes)
}

function readProtocolData(r: Reader): BtpProtocolData[] {
  const count = r.readSequenceCount(Math.floor(r.remaining / PROTOCOL_DATA_ENTRY_MIN_BYTES))
  const entries: BtpProtocolData[] = new Array(count)
  for (let i = 0; i < count; i++) {
    const protocolName = readAscii(r, 'protocolName')
    const contentType = r.readUInt8()
    const data = r.readVarOctetString()
    entries[i] = { protocolName, contentType, data }
  }
  return entries
}

function readError(r: Reader, requestId: number): BtpError {
  const codeBytes = r.readOctetString(3)
  for (let i = 0; i < 3; i++) {
    if (codeBytes[i]! > 0x7f) throw new CodecError('BTP_INVALID_FIELD', 'error code is not ASCII (IA5String)')
  }
  const code = latin1(codeBytes)
  const name = readAscii(r, 'name')
  const timeLength = r.readLengthPrefix()
  if (timeLength > GENERALIZED_TIME_MAX_LENGTH) throw new CodecError('BTP_INVALID_TIME', `triggeredAt of ${timeLength} characters is too long`)
  const triggeredAt = readGeneralizedTime(r.readOctetString(timeLength))
  const data = r.readVarOctetString()
  if (data.length > BTP_ERROR_DATA_MAX_LENGTH) {
    throw new CodecError('BTP_INVALID_FIELD', `error data is ${data.length} bytes; the maximum is ${BTP_ERROR_DATA_MAX_LENGTH}`)
  }
  const protocolData = readProtocolData(r)
  return { type: BtpPacketType.Error, requestId, code, name, triggeredAt, data, protocolData }
}

/**
 * Decodes one BTP 2.0 packet (one WebSocket message). Byte fields are views of `bytes`. Throws `CodecError`
 * (`BTP_UNKNOWN_TYPE` for types 3/4/5 and unknown types) on anything invalid.
 */
export function decodeBtpPacket(bytes: Uint8Array): BtpPacket {
  if (!(bytes instanceof Uint8Array)) throw new CodecError('BTP_INVALID_FIELD', 'packet must be a Uint8Array')
  const fast = decodeIlpOnly(bytes)
  if (fast !== undefined) return fast
  const outer = new Reader(bytes)
  const type = outer.readUInt8()
  const requestId = outer.readUInt32()
  const length = outer.readLengthPrefix()
  const start = outer.cursor
  outer.skip(length)
  const r = new Reader(bytes, start, start + length)
  switch (type) {
    case BtpPacketType.Response:
    case BtpPacketType.Message:
      return { type, requestId, protocolData: readProtocolData(r) }
    case BtpPacketType.Transfer: {
      const amount = r.readUInt64()
      return { type, requestId, amount, protocolData: readProtocolData(r) }
    }
    case BtpPacketType.Error:
      return readError(r, requestId)
    default:
      throw new CodecError('BTP_UNKNOWN_TYPE', `BTP packet type ${type} is not used in BTP 2.0`)
  }
}

/**
 * The canonical length determinant at `at`, all of it before `end`: the length it gives, or -1 when it is not
 * plainly valid (the general path then decides). Its own size follows from the length (determinantSize).
 */
function shortLengthAt(bytes: Uint8Array, at: number, end: number): number {
  if (at >= end) return -1
  const first = bytes[at]!
  if (first < 0x80) return first
  if (first === 0x81 && at + 1 < end && bytes[at + 1]! >= 0x80) return bytes[at + 1]!
  if (first === 0x82 && at + 2 < end && bytes[at + 1] !== 0) return (bytes[at + 1]! << 8) | bytes[at + 2]!
  return -1
}

/** Bytes of the canonical determinant of `length` (at most 0xffff here). */
function determinantSize(length: number): number {
  return length < 0x80 ? 1 : length < 0x100 ? 2 : 3
}

/**
 * Fast path for the hot case: the packet in `bytes[start..end)` is a Message or Response whose only entry is
 * `{ilp, 0, data}`, filling the packet exactly. Returns where `data` starts (it ends at `end`), or -1 for
 * anything else, which takes the general path (decodeBtpPacket gives the same result for these bytes).
 * No Reader, no objects: a connector reads two of these per packet.
 */
export function ilpOnlyDataAt(bytes: Uint8Array, start: number, end: number): number {
  const type = bytes[start]
  if ((type !== BtpPacketType.Message && type !== BtpPacketType.Response) || end - start < 6) return -1
  const contentsLength = shortLengthAt(bytes, start + 5, end)
  if (contentsLength < ILP_ENTRY_HEADER.length + 1) return -1
  const contentsAt = start + 5 + determinantSize(contentsLength)
  if (contentsAt + contentsLength !== end) return -1
  for (let i = 0; i < ILP_ENTRY_HEADER.length; i++) if (bytes[contentsAt + i] !== ILP_ENTRY_HEADER[i]) return -1
  const dataLength = shortLengthAt(bytes, contentsAt + ILP_ENTRY_HEADER.length, end)
  if (dataLength < 0) return -1
  const dataAt = contentsAt + ILP_ENTRY_HEADER.length + determinantSize(dataLength)
  return dataAt + dataLength === end ? dataAt : -1
}

/** The request id of the packet at `start` (the caller has checked that its 5-byte header is there). */
export function requestIdAt(bytes: Uint8Array, start: number): number {
  return ((bytes[start + 1]! << 24) | (bytes[start + 2]! << 16) | (bytes[start + 3]! << 8) | bytes[start + 4]!) >>> 0
}

function decodeIlpOnly(bytes: Uint8Array): BtpMessage | BtpResponse | undefined {
  const dataAt = ilpOnlyDataAt(bytes, 0, bytes.length)
  if (dataAt < 0) return undefined
  const type = bytes[0] as BtpPacketType.Message | BtpPacketType.Response
  const entry: BtpProtocolData = { protocolName: BTP_PROTOCOL_ILP, contentType: BtpContentType.ApplicationOctetStream, data: bytes.subarray(dataAt) }
  return { type, requestId: requestIdAt(bytes, 0), protocolData: [entry] }
}

/**
 * Reads only the type and requestId of a packet, so a link can answer an unreadable request with a BTP Error
 * carrying its id. Returns undefined when even the 5-byte header is missing.
 */
export function peekBtpHeader(bytes: Uint8Array): { type: number; requestId: number } | undefined {
  if (bytes.length < 5) return undefined
  const requestId = ((bytes[1]! << 24) | (bytes[2]! << 16) | (bytes[3]! << 8) | bytes[4]!) >>> 0
  return { type: bytes[0]!, requestId }
}

// ---------------------------------------------------------------------------------------------- helpers

export const BTP_PROTOCOL_ILP = 'ilp'
export const BTP_PROTOCOL_AUTH = 'auth'
export const BTP_PROTOCOL_AUTH_TOKEN = 'auth_token'
export const BTP_PROTOCOL_AUTH_USERNAME = 'auth_username'

/** The `{ilp, octet-stream, packet}` entry that carries an ILP packet (RFC 23 §"ILP"). */
export function ilpProtocolData(ilp: Uint8Array): BtpProtocolData {
  return { protocolName: BTP_PROTOCOL_ILP, contentType: BtpContentType.ApplicationOctetStream, data: ilp }
}

/**
 * The protocolData of the client's first packet (RFC 23 §"Authentication"): primary `{auth, octet-stream,
 * empty}`, then `auth_token` (UTF-8 text, may be empty) and, as ilp-plugin-btp sends it, `auth_username`.
 */
export function authProtocolData(token: string, username?: string): BtpProtocolData[] {
  const entries: BtpProtocolData[] = [
    { protocolName: BTP_PROTOCOL_AUTH, contentType: BtpContentType.ApplicationOctetStream, data: new Uint8Array(0) },
    { protocolName: BTP_PROTOCOL_AUTH_TOKEN, contentType: BtpContentType.TextPlainUtf8, data: utf8.encode(token) },
  ]
  if (username !== undefined) {
    entries.push({ protocolName: BTP_PROTOCOL_AUTH_USERNAME, contentType: BtpContentType.TextPlainUtf8, data: utf8.encode(username) })
  }
  return entries
}

/** The auth Message packet (see `authProtocolData`). */
export function authMessage(requestId: number, token: string, username?: string): BtpMessage {
  return { type: BtpPacketType.Message, requestId, protocolData: authProtocolData(token, username) }
}

/** The first entry named `name`, if any. */
export function findProtocolData(entries: readonly BtpProtocolData[], name: string): BtpProtocolData | undefined {
  for (const e of entries) if (e.protocolName === name) return e
  return undefined
}

/** The ILP packet bytes when the primary (first) entry is `ilp`, else undefined. */
export function primaryIlpData(entries: readonly BtpProtocolData[]): Uint8Array | undefined {
  const first = entries[0]
  return first !== undefined && first.protocolName === BTP_PROTOCOL_ILP ? first.data : undefined
}

/** The first protocolName that appears twice (RFC 23: names MUST be unique), or undefined. */
export function duplicateProtocolName(entries: readonly BtpProtocolData[]): string | undefined {
  if (entries.length < 2) return undefined
  const seen = new Set<string>()
  for (const e of entries) {
    if (seen.has(e.protocolName)) return e.protocolName
    seen.add(e.protocolName)
  }
  return undefined
}
