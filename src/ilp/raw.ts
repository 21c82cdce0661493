/**
 * When may a packet's RAW bytes stand for it? Decoded packets keep their envelope under RAW so that a
 * connector relays replies byte-for-byte and forwards a Prepare with one copy (patchPrepare). But
 * `{ ...decoded, data }` copies RAW along with the fields, and stale bytes would then go out (the old amount,
 * the old destination). So the encoders reuse RAW only when it still holds every field: each field must still
 * be the very value decoding gave it, kept beside RAW under the RAW_* symbols (identity, not equal content:
 * O(1)); a Reject's code, triggeredBy and message are compared with the bytes. Data followed by more bytes in
 * the envelope has no RAW_DATA, so such a packet is re-encoded. When in doubt the packet is encoded from its
 * fields, which is always correct.
 */
import { uint64At } from '../oer/reader.js'
import { readIlpTimestampMs } from './timestamp.js'
import { RAW_CONDITION, RAW_DATA, RAW_DESTINATION, RAW_FULFILLMENT, type IlpFulfill, type IlpPrepare, type IlpReject } from './types.js'

/** Offset of the first body field of the envelope at `at` (after the type byte and the length determinant). */
export function prepareBodyAt(raw: Uint8Array, at = 0): number {
  const first = raw[at + 1]!
  return at + (first < 0x80 ? 2 : 2 + (first & 0x7f))
}

/** Reads the length determinant at `i` (at most 2 length bytes: fields checked here are ≤ 8191 bytes). */
function varLength(raw: Uint8Array, i: number): { length: number; start: number } | undefined {
  const first = raw[i]!
  if (first < 0x80) return { length: first, start: i + 1 }
  if (first === 0x81) return { length: raw[i + 1]!, start: i + 2 }
  if (first === 0x82) return { length: (raw[i + 1]! << 8) | raw[i + 2]!, start: i + 3 }
  return undefined
}

const utf8Lenient = new TextDecoder('utf-8')

/**
 * The var string at `i` decodes to `s` (ASCII compared byte by byte; anything else decoded as the decoder
 * does, so a relayed Reject keeps even invalid UTF-8 byte-for-byte). Returns the offset after it, or -1.
 */
function varStringEquals(raw: Uint8Array, i: number, s: unknown): number {
  const field = varLength(raw, i)
  if (field === undefined || typeof s !== 'string') return -1
  const { length, start } = field
  if (s.length === length) {
    let k = 0
    while (k < length && raw[start + k] === s.charCodeAt(k) && raw[start + k]! < 0x80) k++
    if (k === length) return start + length
    // After an ASCII prefix, an ASCII byte against a different ASCII char: the decoded strings differ there.
    if (raw[start + k]! < 0x80 && s.charCodeAt(k) < 0x80) return -1
  }
  return utf8Lenient.decode(raw.subarray(start, start + length)) === s ? start + length : -1
}

/** RAW holds the Prepare's condition, destination and data (amount and expiry aside: patchPrepare rewrites those). */
export function rawHoldsFields(p: Omit<IlpPrepare, 'type'>): boolean {
  const data = p[RAW_DATA]
  return data !== undefined && p.data === data && p.executionCondition === p[RAW_CONDITION] && p.destination === p[RAW_DESTINATION]
}

/** RAW's amount and expiry are the Prepare's (the other fields are checked by rawHoldsFields). */
export function amountAndExpiryMatch(p: Omit<IlpPrepare, 'type'>, raw: Uint8Array): boolean {
  const at = prepareBodyAt(raw)
  return uint64At(raw, at) === p.amount && p.expiresAt instanceof Date && readIlpTimestampMs(raw, at + 8) === p.expiresAt.getTime()
}

export function fulfillRawMatches(p: Omit<IlpFulfill, 'type'>): boolean {
  const data = p[RAW_DATA]
  return data !== undefined && p.data === data && p.fulfillment === p[RAW_FULFILLMENT]
}

/** Code, triggeredBy and message compared with the bytes, data by identity. */
export function rejectRawMatches(p: Omit<IlpReject, 'type'>, raw: Uint8Array): boolean {
  const at = prepareBodyAt(raw)
  const code = p.code
  if (typeof code !== 'string' || code.length !== 3 || raw[at] !== code.charCodeAt(0) || raw[at + 1] !== code.charCodeAt(1) || raw[at + 2] !== code.charCodeAt(2)) {
    return false
  }
  const afterTriggeredBy = varStringEquals(raw, at + 3, p.triggeredBy)
  const data = p[RAW_DATA]
  return data !== undefined && p.data === data && afterTriggeredBy > 0 && varStringEquals(raw, afterTriggeredBy, p.message) > 0
}
