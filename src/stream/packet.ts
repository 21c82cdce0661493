/**
 * The plaintext STREAM packet (RFC 29 §"STREAM Packet"):
 *   version UInt8 (=1) ‖ ilpPacketType UInt8 ‖ sequence VarUInt ‖ prepareAmount VarUInt ‖
 *   SEQUENCE OF Frame ‖ junk (ignored)
 * Frame = type UInt8 ‖ contents var octets. Unknown frame types are skipped by their length; bytes left over
 * inside a known frame's contents are ignored (RFC 30 extensibility), as the JS implementation does.
 * Field names follow the RFC test vectors (`packetType`, `amount`), not the JS class (`ilpPacketType`,
 * `prepareAmount`).
 */
import { CodecError } from '../oer/errors.js'
import { MAX_UINT64, Reader } from '../oer/reader.js'
import { lengthPrefixSize, utf8Length, varOctetStringSize, writeLengthAt } from '../oer/writer.js'
import { allocBytes } from '../oer/alloc.js'
import { IlpPacketType } from '../ilp/types.js'
import { FrameType, type Frame } from './frames.js'

/** RFC 29: the only version defined. */
export const STREAM_VERSION = 1

export interface StreamPacket {
  readonly sequence: bigint
  /** The ILP packet this STREAM packet must ride on (RFC 29: packets on the wrong type are discarded). */
  readonly packetType: IlpPacketType
  /** On a Prepare: the minimum the receiver should accept. On a Fulfill/Reject: the amount that arrived. */
  readonly amount: bigint
  readonly frames: readonly Frame[]
}

const utf8Lenient = new TextDecoder('utf-8', { fatal: false })
const utf8 = new TextEncoder()

// ---------------------------------------------------------------------------------------------- encode
//
// Every packet is encoded twice per hop pair (the Prepare's and the reply's), so the encoder writes into one
// pooled region at computed offsets, with VarUInts below 2^48 written from a double, instead of through a
// growable Writer (a fresh off-heap buffer and DataView per packet, and bigint shifts per byte).

/** Content sizes of the frames being encoded (encoding is synchronous: one array serves every call). */
const frameSizes: number[] = []

/** Encodes a plaintext STREAM packet (canonical OER: computes the size, allocates once, writes). */
export function encodeStreamPacket(packet: StreamPacket): Uint8Array {
  const { frames } = packet
  let size = 2 + 1 + varUIntLength(packet.sequence) + 1 + varUIntLength(packet.amount) + 1 + countLength(frames.length)
  for (let i = 0; i < frames.length; i++) {
    const contentSize = frameContentSize(frames[i]!)
    frameSizes[i] = contentSize
    size += 1 + lengthPrefixSize(contentSize) + contentSize
  }
  const out = allocBytes(size)
  out[0] = STREAM_VERSION
  out[1] = packet.packetType
  let at = writeVarUIntAt(out, 2, packet.sequence)
  at = writeVarUIntAt(out, at, packet.amount)
  at = writeCountAt(out, at, frames.length)
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!
    out[at++] = frame.type
    at = writeLengthAt(out, at, frameSizes[i]!)
    at = writeFrameContents(out, at, frame)
  }
  if (at !== size) throw new Error(`STREAM encoder wrote ${at} of ${size} bytes`) // a bug, not bad input
  return out
}

/** Bytes of a canonical VarUInt body (RFC 30); out of u64 range is a CodecError, as in oer/writer. */
function varUIntLength(value: bigint): number {
  if (value < 0n || value > MAX_UINT64) throw new CodecError('OER_VALUE_OUT_OF_RANGE', `VarUInt ${value} is outside 0..2^64-1`)
  if (value >= 0x1_0000_0000_0000n) return value >= 0x100_0000_0000_0000n ? 8 : 7
  return numberLength(Number(value))
}

/** Bytes of a VarUInt body for a non-negative integer below 2^48. */
function numberLength(v: number): number {
  return v < 0x100 ? 1 : v < 0x1_0000 ? 2 : v < 0x100_0000 ? 3 : v < 0x1_0000_0000 ? 4 : v < 0x100_0000_0000 ? 5 : 6
}

/** A SEQUENCE OF count is a VarUInt (a frame count is far below 2^48). */
function countLength(count: number): number {
  return numberLength(count)
}

function writeVarUIntAt(out: Uint8Array, at: number, value: bigint): number {
  const n = varUIntLength(value)
  out[at++] = n
  if (n <= 6) return writeNumberBody(out, at, Number(value), n)
  let v = value
  for (let i = at + n - 1; i >= at; i--) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return at + n
}

function writeCountAt(out: Uint8Array, at: number, count: number): number {
  const n = countLength(count)
  out[at++] = n
  return writeNumberBody(out, at, count, n)
}

/** Big-endian `n` bytes of an integer below 2^48 (exact in a double). */
function writeNumberBody(out: Uint8Array, at: number, value: number, n: number): number {
  let v = value
  for (let i = at + n - 1; i >= at; i--) {
    const byte = v % 256
    out[i] = byte
    v = (v - byte) / 256
  }
  return at + n
}

function writeUInt8At(out: Uint8Array, at: number, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new CodecError('OER_VALUE_OUT_OF_RANGE', `UInt8 ${value} out of range`)
  out[at] = value
  return at + 1
}

function writeBytesAt(out: Uint8Array, at: number, bytes: Uint8Array): number {
  at = writeLengthAt(out, at, bytes.length)
  out.set(bytes, at)
  return at + bytes.length
}

function writeTextAt(out: Uint8Array, at: number, text: string): number {
  const length = utf8Length(text)
  at = writeLengthAt(out, at, length)
  utf8.encodeInto(text, out.subarray(at, at + length))
  return at + length
}

/** Size of a frame's contents (without its type byte and length prefix). */
function frameContentSize(frame: Frame): number {
  switch (frame.type) {
    case FrameType.ConnectionClose:
      return 1 + varOctetStringSize(utf8Length(frame.errorMessage))
    case FrameType.ConnectionNewAddress:
      return varOctetStringSize(utf8Length(frame.sourceAccount))
    case FrameType.ConnectionAssetDetails:
      return varOctetStringSize(utf8Length(frame.sourceAssetCode)) + 1
    case FrameType.ConnectionMaxData:
    case FrameType.ConnectionDataBlocked:
      return 1 + varUIntLength(frame.maxOffset)
    case FrameType.ConnectionMaxStreamId:
    case FrameType.ConnectionStreamIdBlocked:
      return 1 + varUIntLength(frame.maxStreamId)
    case FrameType.StreamClose:
      return 1 + varUIntLength(frame.streamId) + 1 + varOctetStringSize(utf8Length(frame.errorMessage))
    case FrameType.StreamMoney:
      return 2 + varUIntLength(frame.streamId) + varUIntLength(frame.shares)
    case FrameType.StreamMaxMoney:
      return 3 + varUIntLength(frame.streamId) + varUIntLength(frame.receiveMax) + varUIntLength(frame.totalReceived)
    case FrameType.StreamMoneyBlocked:
      return 3 + varUIntLength(frame.streamId) + varUIntLength(frame.sendMax) + varUIntLength(frame.totalSent)
    case FrameType.StreamData:
      return 2 + varUIntLength(frame.streamId) + varUIntLength(frame.offset) + varOctetStringSize(frame.data.length)
    case FrameType.StreamMaxData:
    case FrameType.StreamDataBlocked:
      return 2 + varUIntLength(frame.streamId) + varUIntLength(frame.maxOffset)
    case FrameType.StreamReceipt:
      return 1 + varUIntLength(frame.streamId) + varOctetStringSize(frame.receipt.length)
    default:
      return unknownFrame(frame)
  }
}

function writeFrameContents(out: Uint8Array, at: number, frame: Frame): number {
  switch (frame.type) {
    case FrameType.ConnectionClose:
      return writeTextAt(out, writeUInt8At(out, at, frame.errorCode), frame.errorMessage)
    case FrameType.ConnectionNewAddress:
      return writeTextAt(out, at, frame.sourceAccount)
    case FrameType.ConnectionAssetDetails:
      return writeUInt8At(out, writeTextAt(out, at, frame.sourceAssetCode), frame.sourceAssetScale)
    case FrameType.ConnectionMaxData:
    case FrameType.ConnectionDataBlocked:
      return writeVarUIntAt(out, at, frame.maxOffset)
    case FrameType.ConnectionMaxStreamId:
    case FrameType.ConnectionStreamIdBlocked:
      return writeVarUIntAt(out, at, frame.maxStreamId)
    case FrameType.StreamClose:
      return writeTextAt(out, writeUInt8At(out, writeVarUIntAt(out, at, frame.streamId), frame.errorCode), frame.errorMessage)
    case FrameType.StreamMoney:
      return writeVarUIntAt(out, writeVarUIntAt(out, at, frame.streamId), frame.shares)
    case FrameType.StreamMaxMoney:
      return writeVarUIntAt(out, writeVarUIntAt(out, writeVarUIntAt(out, at, frame.streamId), frame.receiveMax), frame.totalReceived)
    case FrameType.StreamMoneyBlocked:
      return writeVarUIntAt(out, writeVarUIntAt(out, writeVarUIntAt(out, at, frame.streamId), frame.sendMax), frame.totalSent)
    case FrameType.StreamData:
      return writeBytesAt(out, writeVarUIntAt(out, writeVarUIntAt(out, at, frame.streamId), frame.offset), frame.data)
    case FrameType.StreamMaxData:
    case FrameType.StreamDataBlocked:
      return writeVarUIntAt(out, writeVarUIntAt(out, at, frame.streamId), frame.maxOffset)
    case FrameType.StreamReceipt:
      return writeBytesAt(out, writeVarUIntAt(out, at, frame.streamId), frame.receipt)
    default:
      return unknownFrame(frame)
  }
}

function unknownFrame(frame: never): never {
  throw new CodecError('STREAM_INVALID_FRAME', `cannot encode frame type ${(frame as { type: unknown }).type}`)
}

// ---------------------------------------------------------------------------------------------- decode

/**
 * Decodes a plaintext STREAM packet. Throws `CodecError` (and nothing else) on malformed input. Unknown
 * frame types are skipped; junk after the frames is ignored.
 */
export function decodeStreamPacket(bytes: Uint8Array): StreamPacket {
  const r = new Reader(bytes)
  const version = r.readUInt8()
  if (version !== STREAM_VERSION) throw new CodecError('STREAM_UNSUPPORTED_VERSION', `unsupported STREAM version ${version}`)
  const packetType = r.readUInt8()
  if (packetType !== IlpPacketType.Prepare && packetType !== IlpPacketType.Fulfill && packetType !== IlpPacketType.Reject) {
    throw new CodecError('STREAM_INVALID_PACKET', `STREAM packet cannot ride on ILP packet type ${packetType}`)
  }
  const sequence = r.readVarUInt()
  const amount = r.readVarUInt()
  // Each frame takes at least 2 bytes, so a count beyond that cannot be honest; the reads bound it anyway.
  const count = r.readSequenceCount(Math.max(0, Math.floor(r.remaining / 2)))
  const frames: Frame[] = []
  for (let i = 0; i < count; i++) {
    const type = r.readUInt8()
    const contents = r.readVarOctetString()
    const frame = decodeFrame(type, new Reader(contents))
    if (frame !== undefined) frames.push(frame)
  }
  return { sequence, packetType, amount, frames }
}

function readText(r: Reader): string {
  return utf8Lenient.decode(r.readVarOctetString())
}

/** One frame's contents; `undefined` for an unknown type (RFC 29: MUST be ignored). */
function decodeFrame(type: number, r: Reader): Frame | undefined {
  switch (type) {
    case FrameType.ConnectionClose:
      return { type, errorCode: r.readUInt8(), errorMessage: readText(r) }
    case FrameType.ConnectionNewAddress:
      return { type, sourceAccount: readText(r) }
    case FrameType.ConnectionAssetDetails:
      return { type, sourceAssetCode: readText(r), sourceAssetScale: r.readUInt8() }
    case FrameType.ConnectionMaxData:
    case FrameType.ConnectionDataBlocked:
      return { type, maxOffset: r.readVarUInt() }
    case FrameType.ConnectionMaxStreamId:
    case FrameType.ConnectionStreamIdBlocked:
      return { type, maxStreamId: r.readVarUInt() }
    case FrameType.StreamClose:
      return { type, streamId: r.readVarUInt(), errorCode: r.readUInt8(), errorMessage: readText(r) }
    case FrameType.StreamMoney:
      return { type, streamId: r.readVarUInt(), shares: r.readVarUInt() }
    case FrameType.StreamMaxMoney:
      return { type, streamId: r.readVarUInt(), receiveMax: r.readVarUIntSaturating(), totalReceived: r.readVarUInt() }
    case FrameType.StreamMoneyBlocked:
      return { type, streamId: r.readVarUInt(), sendMax: r.readVarUIntSaturating(), totalSent: r.readVarUInt() }
    case FrameType.StreamData:
      return { type, streamId: r.readVarUInt(), offset: r.readVarUInt(), data: r.readVarOctetString() }
    case FrameType.StreamMaxData:
    case FrameType.StreamDataBlocked:
      return { type, streamId: r.readVarUInt(), maxOffset: r.readVarUInt() }
    case FrameType.StreamReceipt:
      return { type, streamId: r.readVarUInt(), receipt: r.readVarOctetString() }
    default:
      return undefined
  }
}
