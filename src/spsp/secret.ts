/**
 * The shared secret's text form in SPSP (RFC 9 "Response Body"): 32 bytes, base64 with padding. Clients SHOULD
 * also accept base64url (protocol-notes §7), so the decoder takes either alphabet, padded or not, but not a mix.
 */
import { SpspError } from './errors.js'

/** STREAM shared secrets are 32 bytes (RFC 9: "32 bytes, base64 encoded"). */
export const SHARED_SECRET_LENGTH = 32
/** Receipt nonce and secret lengths (RFC 39 "Receipt-Nonce", "Receipt-Secret"). */
export const RECEIPT_NONCE_LENGTH = 16
export const RECEIPT_SECRET_LENGTH = 32

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/

/** Padded standard base64, the form RFC 9 prescribes on the wire. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/**
 * Decodes base64 or base64url of exactly `length` bytes; throws `SPSP_INVALID_RESPONSE` otherwise. Node's own
 * decoder silently skips junk, so the alphabet and the length are checked here first.
 */
export function decodeBase64Exact(text: string, length: number, what: string): Uint8Array {
  if (!BASE64.test(text) && !BASE64URL.test(text)) throw bad(what, 'is not base64 or base64url')
  const unpadded = text.replace(/=+$/, '')
  const expectedChars = Math.ceil((length * 4) / 3)
  const paddedChars = Math.ceil(length / 3) * 4
  if (unpadded.length !== expectedChars || (text.length !== unpadded.length && text.length !== paddedChars)) {
    throw bad(what, `does not encode ${length} bytes`)
  }
  const bytes = Buffer.from(unpadded, 'base64')
  if (bytes.byteLength !== length) throw bad(what, `does not encode ${length} bytes`)
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

export function decodeSharedSecret(text: string): Uint8Array {
  return decodeBase64Exact(text, SHARED_SECRET_LENGTH, 'shared_secret')
}

function bad(what: string, why: string): SpspError {
  return new SpspError('SPSP_INVALID_RESPONSE', `${what} ${why}`)
}
