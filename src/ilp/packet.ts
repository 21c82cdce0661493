/**
 * ILPv4 packet codec (RFC 27 §"Packet Format", ASN.1 InterledgerProtocol.asn), written here rather than taken
 * from a library because it is the hot path: sizes are computed first and each packet is one allocation;
 * decoding returns views of the input (zero-copy) and keeps the envelope bytes under `RAW` so a connector can
 * forward a Prepare with amount and expiry patched in place, and relay replies byte-for-byte. See README.md.
 */
import { checkTimestamp } from './timestamp.js'
import { checkAmount, encodeIlpPacket } from './packet-encode.js'
import { prepareWithRaw } from './packet-decode.js'
import { rawHoldsFields } from './raw.js'
import { IlpPacketType, RAW, type IlpPacket, type IlpPrepare } from './types.js'

export { CONDITION_LENGTH, FULFILLMENT_LENGTH, ILP_DATA_MAX_LENGTH, ILP_MESSAGE_MAX_LENGTH } from './limits.js'
export { encodeFulfill, encodeIlpPacket, encodePrepare, encodeReject, writeForwardedPrepare } from './packet-encode.js'
export { decodeFulfill, decodeIlpPacket, decodePrepare, decodeReject, decodeReply } from './packet-decode.js'

/**
 * The outgoing Prepare of a connector hop: the same packet with only `amount` and `expiresAt` changed
 * (RFC 27 step 6). Nothing is copied here: the result keeps the incoming envelope under RAW, and the bytes are
 * made when it is sent, as one copy with the two fixed-size fields written over (`writeForwardedPrepare`
 * straight into a link's write buffer, or `encodePrepare`). Its other fields are the incoming ones. Amount and
 * expiry are checked here, so a hop that cannot be encoded fails before anything is queued. Without current
 * incoming bytes (a packet built by hand, or one whose other fields were changed) the result has no RAW and is
 * encoded from its fields when sent.
 */
export function patchPrepare(prepare: IlpPrepare, amount: bigint, expiresAt: Date): IlpPrepare {
  checkAmount(amount)
  checkTimestamp(expiresAt)
  const { executionCondition, destination, data } = prepare
  const src = prepare[RAW]
  if (src === undefined || !rawHoldsFields(prepare)) {
    return { type: IlpPacketType.Prepare, amount, expiresAt, executionCondition, destination, data }
  }
  // One literal (prepareWithRaw), not `{ ...x, [RAW]: raw }`: spreading then adding a symbol key measured ~10x slower.
  return prepareWithRaw(amount, expiresAt, executionCondition, destination, data, src, true)
}

/**
 * The envelope `p` is sent as with its amount and expiry written over (`writeForwardedPrepare`), when RAW holds
 * every other field (a decoded or patched Prepare); undefined otherwise (encode it). Checks amount and expiry.
 */
export function forwardablePrepareBytes(p: IlpPrepare): Uint8Array | undefined {
  const raw = p[RAW]
  if (raw === undefined || !rawHoldsFields(p)) return undefined
  checkAmount(p.amount)
  checkTimestamp(p.expiresAt)
  return raw
}

/** The encoded bytes of a packet: the same as encodeIlpPacket (which reuses RAW bytes where they are current). */
export function packetBytes(packet: IlpPacket): Uint8Array {
  return encodeIlpPacket(packet)
}


