/**
 * ILPv4 packet codec (RFC 27 §"Packet Format", ASN.1 InterledgerProtocol.asn), written here rather than taken
 * from a library because it is the hot path: sizes are computed first and each packet is one allocation;
 * decoding returns views of the input (zero-copy) and keeps the envelope bytes under `RAW` so a connector can
 * forward a Prepare with amount and expiry patched in place, and relay replies byte-for-byte. See README.md.
 */
import { copyBytes } from '../oer/alloc.js'
import { ILP_TIMESTAMP_LENGTH, writeIlpTimestamp } from './timestamp.js'
import { CONDITION_LENGTH } from './limits.js'
import { checkAmount, encodeIlpPacket, writeUInt64 } from './packet-encode.js'
import { prepareWithRaw } from './packet-decode.js'
import { prepareBodyAt, rawHoldsFields } from './raw.js'
import { IlpPacketType, RAW, type IlpPacket, type IlpPrepare } from './types.js'

export { CONDITION_LENGTH, FULFILLMENT_LENGTH, ILP_DATA_MAX_LENGTH, ILP_MESSAGE_MAX_LENGTH } from './limits.js'
export { encodeFulfill, encodeIlpPacket, encodePrepare, encodeReject } from './packet-encode.js'
export { decodeFulfill, decodeIlpPacket, decodePrepare, decodeReject, decodeReply } from './packet-decode.js'

/**
 * The outgoing Prepare of a connector hop: the same packet with only `amount` and `expiresAt` changed
 * (RFC 27 step 6). With current incoming bytes at hand this is one copy and two fixed-size writes, no
 * re-encoding; the new packet's condition and data are views of the new bytes. Without them (a packet built
 * by hand, or one whose other fields were changed) the result has no RAW and is encoded when sent.
 */
export function patchPrepare(prepare: IlpPrepare, amount: bigint, expiresAt: Date): IlpPrepare {
  checkAmount(amount)
  const { executionCondition, destination, data } = prepare
  const src = prepare[RAW]
  if (src === undefined || !rawHoldsFields(prepare)) {
    return { type: IlpPacketType.Prepare, amount, expiresAt, executionCondition, destination, data }
  }
  const raw = copyBytes(src) // never Buffer#slice: on a Buffer that is a view, and we would patch the input
  const at = prepareBodyAt(src)
  writeUInt64(raw, at, amount)
  writeIlpTimestamp(raw, at + 8, expiresAt)
  const conditionAt = at + 8 + ILP_TIMESTAMP_LENGTH
  // One literal (prepareWithRaw), not `{ ...x, [RAW]: raw }`: spreading then adding a symbol key measured ~10x slower.
  const condition = raw.subarray(conditionAt, conditionAt + CONDITION_LENGTH)
  return prepareWithRaw(amount, expiresAt, condition, destination, raw.subarray(raw.length - data.length), raw, true)
}

/** The encoded bytes of a packet: the same as encodeIlpPacket (which reuses RAW bytes where they are current). */
export function packetBytes(packet: IlpPacket): Uint8Array {
  return encodeIlpPacket(packet)
}


