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
import { Reader } from '../oer/reader.js'
import { Writer, lengthPrefixSize, utf8Length, varOctetStringSize, varUIntSize } from '../oer/writer.js'
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

/** Encodes a plaintext STREAM packet (canonical OER: computes the size, allocates once, writes). */
export function encodeStreamPacket(packet: StreamPacket): Uint8Array {
  const sizes = packet.frames.map(frameContentSize)
  let size = 2 + varUIntSize(packet.sequence) + varUIntSize(packet.amount) + varUIntSize(BigInt(packet.frames.length))
  for (const s of sizes) size += 1 + lengthPrefixSize(s) + s
  const w = new Writer(size)
  w.writeUInt8(STREAM_VERSION)
  w.writeUInt8(packet.packetType)
  w.writeVarUInt(packet.sequence)
  w.writeVarUInt(packet.amount)
  w.writeSequenceCount(packet.frames.length)
  packet.frames.forEach((frame, i) => {
    w.writeUInt8(frame.type)
    w.writeLengthPrefix(sizes[i]!)
    writeFrameContents(w, frame)
  })
  return w.finish()
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
      return varUIntSize(frame.maxOffset)
    case FrameType.ConnectionMaxStreamId:
    case FrameType.ConnectionStreamIdBlocked:
      return varUIntSize(frame.maxStreamId)
    case FrameType.StreamClose:
      return varUIntSize(frame.streamId) + 1 + varOctetStringSize(utf8Length(frame.errorMessage))
    case FrameType.StreamMoney:
      return varUIntSize(frame.streamId) + varUIntSize(frame.shares)
    case FrameType.StreamMaxMoney:
      return varUIntSize(frame.streamId) + varUIntSize(frame.receiveMax) + varUIntSize(frame.totalReceived)
    case FrameType.StreamMoneyBlocked:
      return varUIntSize(frame.streamId) + varUIntSize(frame.sendMax) + varUIntSize(frame.totalSent)
    case FrameType.StreamData:
      return varUIntSize(frame.streamId) + varUIntSize(frame.offset) + varOctetStringSize(frame.data.length)
    case FrameType.StreamMaxData:
    case FrameType.StreamDataBlocked:
      return varUIntSize(frame.streamId) + varUIntSize(frame.maxOffset)
    case FrameType.StreamReceipt:
      return varUIntSize(frame.streamId) + varOctetStringSize(frame.receipt.length)
    default:
      return unknownFrame(frame)
  }
}

function writeFrameContents(w: Writer, frame: Frame): void {
  switch (frame.type) {
    case FrameType.ConnectionClose:
      w.writeUInt8(frame.errorCode)
      w.writeVarOctetString(utf8.encode(frame.errorMessage))
      return
    case FrameType.ConnectionNewAddress:
      w.writeVarOctetString(utf8.encode(frame.sourceAccount))
      return
    case FrameType.ConnectionAssetDetails:
      w.writeVarOctetString(utf8.encode(frame.sourceAssetCode))
      w.writeUInt8(frame.sourceAssetScale)
      return
    case FrameType.ConnectionMaxData:
    case FrameType.ConnectionDataBlocked:
      w.writeVarUInt(frame.maxOffset)
      return
    case FrameType.ConnectionMaxStreamId:
    case FrameType.ConnectionStreamIdBlocked:
      w.writeVarUInt(frame.maxStreamId)
      return
    case FrameType.StreamClose:
      w.writeVarUInt(frame.streamId)
      w.writeUInt8(frame.errorCode)
      w.writeVarOctetString(utf8.encode(frame.errorMessage))
      return
    case FrameType.StreamMoney:
      w.writeVarUInt(frame.streamId)
      w.writeVarUInt(frame.shares)
      return
    case FrameType.StreamMaxMoney:
      w.writeVarUInt(frame.streamId)
      w.writeVarUInt(frame.receiveMax)
      w.writeVarUInt(frame.totalReceived)
      return
    case FrameType.StreamMoneyBlocked:
      w.writeVarUInt(frame.streamId)
      w.writeVarUInt(frame.sendMax)
      w.writeVarUInt(frame.totalSent)
      return
    case FrameType.StreamData:
      w.writeVarUInt(frame.streamId)
      w.writeVarUInt(frame.offset)
      w.writeVarOctetString(frame.data)
      return
    case FrameType.StreamMaxData:
    case FrameType.StreamDataBlocked:
      w.writeVarUInt(frame.streamId)
      w.writeVarUInt(frame.maxOffset)
      return
    case FrameType.StreamReceipt:
      w.writeVarUInt(frame.streamId)
      w.writeVarOctetString(frame.receipt)
      return
    default:
      unknownFrame(frame)
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
