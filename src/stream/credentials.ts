/**
 * Stateless connection set-up for a STREAM receiver (RFC 29 §"Server Secret"; protocol-notes §6.4).
 * The receiver keeps one 32-byte server secret. Each SPSP query gets a fresh token appended to the receiver's
 * address; the connection's shared secret is HMAC(HMAC(serverSecret, "ilp_stream_shared_secret"), token) —
 * the construction of the JS and Rust servers — so nothing is stored until a packet arrives.
 *
 * Token forms (one ILP address segment, base64url):
 * - plain: 18 random bytes (24 characters), as interledger-rs;
 * - with receipts (RFC 39): IV ‖ tag ‖ AES-256-GCM(tokenKey, nonce16 ‖ secret32), 76 bytes. RFC 39 requires the
 *   receipt secret to be encrypted when it travels in the address; the random IV makes the token unique.
 */
import { randomBytes } from 'node:crypto'
import { CodecError } from '../oer/errors.js'
import { decryptStreamData, deriveSharedSecretKeygen, encryptStreamData, hmacSha256, sharedSecretFromToken } from './crypto.js'
import { RECEIPT_NONCE_LENGTH, RECEIPT_SECRET_LENGTH } from './receipt.js'

export const TOKEN_NONCE_LENGTH = 18
const RECEIPT_TOKEN_LENGTH = 12 + 16 + RECEIPT_NONCE_LENGTH + RECEIPT_SECRET_LENGTH
const TOKEN_KEY_STRING = Buffer.from('ilp_stream_receipt_token', 'ascii')
const TOKEN_PATTERN = /^[A-Za-z0-9_-]+$/

/** Receipt parameters a verifier gave the receiver (RFC 39 `Receipt-Nonce`, `Receipt-Secret`). */
export interface ReceiptSetup {
  readonly nonce: Uint8Array
  readonly secret: Uint8Array
}

export interface StreamCredentials {
  readonly destinationAccount: string
  readonly sharedSecret: Uint8Array
  /** True when the connection will attach receipts to its Fulfills. */
  readonly receiptsEnabled: boolean
}

/** What a receiver learns back from a token in an incoming destination address. */
export interface ParsedToken {
  readonly token: string
  readonly sharedSecret: Uint8Array
  readonly receipt?: ReceiptSetup
}

export interface TokenCodec {
  create(receipt?: ReceiptSetup): { token: string; sharedSecret: Uint8Array }
  /** Undefined for a token this server never issued a well-formed version of. */
  parse(token: string): ParsedToken | undefined
}

export function createTokenCodec(serverSecret: Uint8Array): TokenCodec {
  if (serverSecret.length !== 32) throw new RangeError('the STREAM server secret must be 32 bytes')
  const keygen = deriveSharedSecretKeygen(serverSecret)
  const tokenKey = hmacSha256(serverSecret, TOKEN_KEY_STRING)
  const secretOf = (token: string): Uint8Array => sharedSecretFromToken(keygen, Buffer.from(token, 'ascii'))

  return {
    create(receipt) {
      let bytes: Uint8Array
      if (receipt === undefined) {
        bytes = randomBytes(TOKEN_NONCE_LENGTH)
      } else {
        if (receipt.nonce.length !== RECEIPT_NONCE_LENGTH || receipt.secret.length !== RECEIPT_SECRET_LENGTH) {
          throw new RangeError('receipt nonce must be 16 bytes and secret 32 bytes')
        }
        bytes = encryptStreamData(tokenKey, Buffer.concat([receipt.nonce, receipt.secret]))
      }
      const token = Buffer.from(bytes).toString('base64url')
      return { token, sharedSecret: secretOf(token) }
    },
    parse(token) {
      if (!TOKEN_PATTERN.test(token)) return undefined
      const bytes = Buffer.from(token, 'base64url')
      if (bytes.toString('base64url') !== token) return undefined
      if (bytes.length === TOKEN_NONCE_LENGTH) return { token, sharedSecret: secretOf(token) }
      if (bytes.length !== RECEIPT_TOKEN_LENGTH) return undefined
      let plain: Uint8Array
      try {
        plain = decryptStreamData(tokenKey, bytes)
      } catch (e) {
        if (e instanceof CodecError) return undefined
        throw e
      }
      const receipt = { nonce: plain.slice(0, RECEIPT_NONCE_LENGTH), secret: plain.slice(RECEIPT_NONCE_LENGTH) }
      return { token, sharedSecret: secretOf(token), receipt }
    },
  }
}

/**
 * The token segment of `destination` under `address`: `address.token[.anything]` → `token`
 * (the JS server reads the segment right after its own address the same way).
 */
export function tokenOf(address: string, destination: string): string | undefined {
  if (destination.length <= address.length + 1 || !destination.startsWith(address) || destination[address.length] !== '.') return undefined
  const rest = destination.slice(address.length + 1)
  const dot = rest.indexOf('.')
  return dot === -1 ? rest : rest.slice(0, dot)
}
