import { CodecError } from './errors.js'

/** 2^64 - 1, the largest UInt64 / VarUInt we decode (RFC 30 caps VarUInt use at u64). */
export const MAX_UINT64 = 0xffff_ffff_ffff_ffffn

/** Lengths above this cannot describe anything we can hold; reject rather than allocate (RFC 30 allows a cap). */
const LENGTH_PREFIX_MAX_BYTES = 4

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * A bounds-checked OER reader over a Uint8Array (RFC 30, canonical OER).
 * Every read checks the remaining length first and throws a `CodecError`; nothing reads out of range.
 * Octet-string reads return zero-copy `subarray` views of the input.
 */
export class Reader {
  readonly buffer: Uint8Array
  cursor: number
  private readonly view: DataView
  private readonly end: number

  constructor(buffer: Uint8Array, start = 0, end = buffer.length) {
    this.buffer = buffer
    this.cursor = start
    this.end = end
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength)
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
    const v = this.view.getUint16(this.cursor)
    this.cursor += 2
    return v
  }

  readUInt32(): number {
    this.need(4)
    const v = this.view.getUint32(this.cursor)
    this.cursor += 4
    return v
  }

  readUInt64(): bigint {
    this.need(8)
    const v = this.view.getBigUint64(this.cursor)
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
   */
  readLengthPrefix(): number {
    const first = this.readUInt8()
    if (first < 0x80) return first
    const n = first & 0x7f
    if (n === 0) throw new CodecError('OER_INVALID_LENGTH', 'length prefix 0x80 (long form with no length bytes) is invalid')
    if (n > LENGTH_PREFIX_MAX_BYTES) throw new CodecError('OER_INVALID_LENGTH', `length prefix of ${n} bytes is too large`)
    this.need(n)
    if (this.buffer[this.cursor] === 0) {
      throw new CodecError('OER_NON_CANONICAL_LENGTH', 'length prefix has a leading zero byte')
    }
    let length = 0
    for (let i = 0; i < n; i++) length = length * 256 + this.buffer[this.cursor++]!
    if (length < 0x80) throw new CodecError('OER_NON_CANONICAL_LENGTH', `length ${length} must use the short form`)
    return length
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

/** Decodes bytes already known to be ASCII. */
export function latin1(bytes: Uint8Array): string {
  if (bytes.length < 64) {
    let s = ''
    for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!)
    return s
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1')
}
