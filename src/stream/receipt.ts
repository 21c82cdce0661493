/**
 * STREAM receipts (RFC 39, deprecated; still implemented by ilp-protocol-stream):
 *   version UInt8 (=1) ‖ nonce 16 bytes ‖ streamId UInt8 ‖ totalReceived UInt64 ‖ hmac 32 bytes
 * where hmac = HMAC-SHA256(receipt secret, the first 26 bytes).
 */
import { CodecError } from '../oer/errors.js'
import { bytesEqual, hmacSha256 } from './crypto.js'

export const RECEIPT_VERSION = 1
export const RECEIPT_NONCE_LENGTH = 16
export const RECEIPT_SECRET_LENGTH = 32
/** 1 + 16 + 1 + 8 + 32 (RFC 39 §"Receipt"). */
export const RECEIPT_LENGTH = 58
const RECEIPT_BODY_LENGTH = 26

export interface Receipt {
  readonly nonce: Uint8Array
  /** A UInt8 in the receipt (RFC 39), although stream IDs are VarUInts elsewhere. */
  readonly streamId: number
  readonly totalReceived: bigint
}

export function createReceipt(receipt: Receipt, secret: Uint8Array): Uint8Array {
  if (receipt.nonce.length !== RECEIPT_NONCE_LENGTH) throw new RangeError('receipt nonce must be 16 bytes')
  if (secret.length !== RECEIPT_SECRET_LENGTH) throw new RangeError('receipt secret must be 32 bytes')
  if (!Number.isInteger(receipt.streamId) || receipt.streamId < 0 || receipt.streamId > 0xff) {
    throw new RangeError('receipt stream ID must fit a UInt8')
  }
  const out = new Uint8Array(RECEIPT_LENGTH)
  const view = new DataView(out.buffer)
  out[0] = RECEIPT_VERSION
  out.set(receipt.nonce, 1)
  out[17] = receipt.streamId
  view.setBigUint64(18, receipt.totalReceived)
  out.set(hmacSha256(secret, out.subarray(0, RECEIPT_BODY_LENGTH)), RECEIPT_BODY_LENGTH)
  return out
}

/** Decodes a receipt without checking its HMAC. */
export function decodeReceipt(bytes: Uint8Array): Receipt {
  if (bytes.length !== RECEIPT_LENGTH) throw new CodecError('STREAM_INVALID_FRAME', `receipt must be ${RECEIPT_LENGTH} bytes, got ${bytes.length}`)
  if (bytes[0] !== RECEIPT_VERSION) throw new CodecError('STREAM_UNSUPPORTED_VERSION', `unsupported receipt version ${bytes[0]}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return { nonce: bytes.slice(1, 17), streamId: bytes[17]!, totalReceived: view.getBigUint64(18) }
}

/** Decodes and checks the HMAC; throws `CodecError` if either fails. */
export function verifyReceipt(bytes: Uint8Array, secret: Uint8Array): Receipt {
  const receipt = decodeReceipt(bytes)
  const expected = hmacSha256(secret, bytes.subarray(0, RECEIPT_BODY_LENGTH))
  if (!bytesEqual(expected, bytes.subarray(RECEIPT_BODY_LENGTH))) throw new CodecError('STREAM_INVALID_FRAME', 'receipt HMAC does not match')
  return receipt
}
