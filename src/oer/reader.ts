import { CodecError } from './errors.js'

/** 2^64 - 1, the largest UInt64 / VarUInt we decode (RFC 30 caps VarUInt use at u64). */
export const MAX_UINT64 = 0xffff_ffff_ffff_ffffn

/** RFC 30: implementations MAY limit the long form to 8 length bytes (a u64 length). */
const LENGTH_PREFIX_MAX_BYTES = 8

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * A bounds-checked OER reader over a Uint8Array (RFC 30, canonical OER).
 * Every read checks the remaining length first and throws a `CodecError`; nothing reads out of range.
 * Octet-string reads return zero-copy `subarray` views of the input.
 */
export class Reader {
  readonly buffer: Uint8Array
  cursor: number
  private end: number

  // No DataView: creating one per Reader costs more than the few reads most packets make.
  constructor(buffer: Uint8Array, start = 0, end = buffer.length) {
    if (!(buffer instanceof Uint8Array)) throw new CodecError('OER_INVALID_LENGTH', 'input must be a Uint8Array')
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > buffer.length || start > end) {
      throw new CodecError('OER_INVALID_LENGTH', `window ${start}..${end} is outside the ${buffer.length}-byte input`)
    }
    this.buffer = buffer
    this.cursor = start
    this.end = end
  }

  /** Narrows the window to the next `length` bytes (e.g. the contents of a length-prefixed envelope). */
  narrow(length: number): void {
    this.need(length)
    this.end = this.cursor + length
  }

  /** The offset where this reader's window ends (exclusive). */
  get limit(): number {
    return this.end
  }

  get remaining(): number {
    return this.end - this.cursor
  }

  private need(n: number): void {
    if (n > this.end - this.cursor) {
      throw new CodecError('OER_TRUNCATED', `unexpected end of input: need ${n} bytes at offset ${this.cursor}, have ${this.end - this.cursor}`)
    }
  }

  skip(n: number): void {
    this.need(n)
    this.cursor += n
  }

  peekUInt8(): number {
    this.need(1)
    return this.buffer[this.cursor]!
  }

  readUInt8(): number {
    this.need(1)
    return this.buffer[this.cursor++]!
  }

  readUInt16(): number {
    this.need(2)
    const b = this.buffer
    const i = this.cursor
    this.cursor += 2
    return (b[i]! << 8) | b[i + 1]!
  }

  readUInt32(): number {
    this.need(4)
    const v = uint32At(this.buffer, this.cursor)
    this.cursor += 4
    return v
  }

  readUInt64(): bigint {
    this.need(8)
    const v = uint64At(this.buffer, this.cursor)
    this.cursor += 8
    return v
  }

  /** Fixed-length octet string, as a view of the input. */
  readOctetString(length: number): Uint8Array {
    this.need(length)
    const v = this.buffer.subarray(this.cursor, this.cursor + length)
    this.cursor += length
    return v
  }

  /**
   * Length determinant (RFC 30 §"Length Prefix"): short form 0x00-0x7F, or 0x80|n followed by n big-endian
   * bytes. Rejects 0x80, leading zero bytes and long forms for lengths below 128 (canonical OER).
   * A long-form length that cannot fit in the input is OER_TRUNCATED here (it may be up to 8 bytes long);
   * a short-form one fails at the read that follows.
   */
  readLengthPrefix(): number {
    const first = this.readUInt8()
    if (first < 0x80) return first
    const n = this.longLengthBytes(first)
    let length = 0
    // Above 6 bytes the number is inexact, but it is then ≥ 2^48 and fails the bound below all the same.
    for (let i = 0; i < n; i++) length = length * 256 + this.buffer[this.cursor++]!
    if (length < 0x80) throw new CodecError('OER_NON_CANONICAL_LENGTH', `length ${length} must use the short form`)
    if (length > this.end - this.cursor) {
      throw new CodecError('OER_TRUNCATED', `length ${length} at offset ${this.cursor} exceeds the ${this.end - this.cursor} bytes left`)
    }
    return length
  }

  /** The exact value of a length determinant as a bigint (e.g. RFC 30's `88AC01055A1DEBAC1E`); no bound check. */
  readLengthDeterminant(): bigint {
    const first = this.readUInt8()
    if (first < 0x80) return BigInt(first)
    const n = this.longLengthBytes(first)
    let length = 0n
    for (let i = 0; i < n; i++) length = (length << 8n) | BigInt(this.buffer[this.cursor++]!)
    if (length < 0x80n) throw new CodecError('OER_NON_CANONICAL_LENGTH', `length ${length} must use the short form`)
    return length
  }

  /** Checks the long-form header byte and the first length byte; returns how many length bytes follow. */
  private longLengthBytes(first: number): number {
    const n = first & 0x7f
    if (n === 0) throw new CodecError('OER_INVALID_LENGTH', 'length prefix 0x80 (long form with no length bytes) is invalid')
    if (n > LENGTH_PREFIX_MAX_BYTES) throw new CodecError('OER_INVALID_LENGTH', `length prefix of ${n} bytes is too large`)
    this.need(n)
    if (this.buffer[this.cursor] === 0) throw new CodecError('OER_NON_CANONICAL_LENGTH', 'length prefix has a leading zero byte')
    return n
  }

  /** `length` bytes as a one-char-per-byte string (see `latin1`), without creating a view first. */
  readLatin1(length: number): string {
    this.need(length)
    const start = this.cursor
    this.cursor += length
    return latin1At(this.buffer, start, start + length)
  }

  /** Variable-length octet string: length determinant then the bytes (a view of the input). */
  readVarOctetString(): Uint8Array {
    return this.readOctetString(this.readLengthPrefix())
  }

  /** Skips a variable-length octet string without creating a view. */
  skipVarOctetString(): void {
    this.skip(this.readLengthPrefix())
  }

  /** Var string restricted to printable ASCII (IA5String as used for ILP addresses and codes). */
  readVarAsciiString(): string {
    const bytes = this.readVarOctetString()
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i]! > 0x7f) throw new CodecError('OER_INVALID_STRING', 'expected an ASCII string')
    }
    return latin1(bytes)
  }

  /** Var string in UTF-8; invalid UTF-8 is a decode error. */
  readVarUtf8String(): string {
    const bytes = this.readVarOctetString()
    try {
      return utf8.decode(bytes)
    } catch (cause) {
      throw new CodecError('OER_INVALID_STRING', 'invalid UTF-8 string', { cause })
    }
  }

  /**
   * VarUInt: a length determinant giving the byte count (1..8), then a big-endian unsigned integer with no
   * leading zero bytes. Zero is `01 00`. A zero length, a leading zero or more than 8 bytes is rejected.
   */
  readVarUInt(): bigint {
    const length = this.readLengthPrefix()
    return this.readVarUIntBody(length)
  }

  /**
   * Like readVarUInt, but a canonical value wider than 64 bits decodes as 2^64-1 instead of failing
   * (STREAM RFC 29: receiveMax/sendMax MUST saturate).
   */
  readVarUIntSaturating(): bigint {
    const length = this.readLengthPrefix()
    if (length <= 8) return this.readVarUIntBody(length)
    this.need(length)
    if (this.buffer[this.cursor] === 0) throw new CodecError('OER_NON_CANONICAL_VARUINT', 'VarUInt has a leading zero byte')
    this.cursor += length
    return MAX_UINT64
  }

  /** A VarUInt that must fit a JS number exactly (counts, ids used as indexes). */
  readVarUIntNumber(): number {
    const v = this.readVarUInt()
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CodecError('OER_VALUE_OUT_OF_RANGE', `value ${v} is too large`)
    return Number(v)
  }

  /** SEQUENCE OF quantity: encoded exactly like a VarUInt (`01 00` = no items). */
  readSequenceCount(max = 0xffff): number {
    const v = this.readVarUInt()
    if (v > BigInt(max)) throw new CodecError('OER_VALUE_OUT_OF_RANGE', `sequence of ${v} items exceeds the limit of ${max}`)
    return Number(v)
  }

  private readVarUIntBody(length: number): bigint {
    if (length === 0) throw new CodecError('OER_NON_CANONICAL_VARUINT', 'VarUInt of zero length')
    if (length > 8) throw new CodecError('OER_VARUINT_TOO_LARGE', `VarUInt of ${length} bytes exceeds 64 bits`)
    this.need(length)
    const b = this.buffer
    let i = this.cursor
    if (length > 1 && b[i] === 0) throw new CodecError('OER_NON_CANONICAL_VARUINT', 'VarUInt has a leading zero byte')
    this.cursor += length
    if (length <= 6) {
      let n = 0
      for (const end = i + length; i < end; i++) n = n * 256 + b[i]!
      return BigInt(n)
    }
    let v = 0n
    for (const end = i + length; i < end; i++) v = (v << 8n) | BigInt(b[i]!)
    return v
  }
}

/** Big-endian UInt32 at `at` (the caller has checked the bounds). */
export function uint32At(b: Uint8Array, at: number): number {
  return b[at]! * 0x100_0000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!)
}

/** Big-endian UInt64 at `at` (the caller has checked the bounds); amounts below 2^32 avoid BigInt shifts. */
export function uint64At(b: Uint8Array, at: number): bigint {
  const hi = uint32At(b, at)
  const lo = uint32At(b, at + 4)
  if (hi === 0) return smallUInt64(lo)
  if (hi < 0x20_0000) return BigInt(hi * 0x1_0000_0000 + lo) // below 2^53: exact as a number
  return (BigInt(hi) << 32n) | BigInt(lo)
}

/**
 * The last amount below 2^32 read, kept as its bigint: amounts repeat (a STREAM sender's packets mostly carry
 * its maximum packet amount) and a bigint is immutable, so handing out the same one is safe and skips an
 * allocation.
 */
let lastSmallValue = 0
let lastSmallBigInt = 0n

function smallUInt64(lo: number): bigint {
  if (lo !== lastSmallValue) {
    lastSmallValue = lo
    lastSmallBigInt = BigInt(lo)
  }
  return lastSmallBigInt
}

const latin1Slice = Buffer.prototype.latin1Slice as (this: Uint8Array, start: number, end: number) => string

/** Decodes bytes one char per byte (for ASCII fields; bytes above 0x7f become chars above 0x7f). */
export function latin1(bytes: Uint8Array): string {
  return latin1At(bytes, 0, bytes.length)
}

/** Like `latin1` for `bytes[start..end)`, without creating a view; the caller has checked the bounds. */
export function latin1At(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 12) {
    // Up to 12 chars, concatenation yields a flat string; from 13 on V8 builds cons-strings that later
    // comparisons and regexes must flatten.
    let s = ''
    for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!)
    return s
  }
  // One flat string in one native call: char-by-char concatenation builds cons-strings the regex must flatten.
  return latin1Slice.call(bytes, start, end)
}
