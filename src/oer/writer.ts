import { CodecError } from './errors.js'
import { MAX_UINT64 } from './reader.js'

const utf8 = new TextEncoder()

/** Bytes taken by the length determinant of a field of `length` bytes. */
export function lengthPrefixSize(length: number): number {
  if (length < 0x80) return 1
  if (length <= 0xff) return 2
  if (length <= 0xffff) return 3
  if (length <= 0xffffff) return 4
  return 5
}

/**
 * Writes a canonical length determinant for `length` (< 2^32) at `at` of a buffer already sized for it
 * (lengthPrefixSize); returns the offset after it. The hot-path encoders use this instead of a Writer.
 */
export function writeLengthAt(bytes: Uint8Array, at: number, length: number): number {
  if (length < 0x80) {
    bytes[at] = length
    return at + 1
  }
  const n = lengthPrefixSize(length) - 1
  bytes[at++] = 0x80 | n
  for (let i = n - 1; i >= 0; i--) bytes[at++] = (length >>> (8 * i)) & 0xff
  return at
}

/** Bytes taken by the body of a canonical VarUInt (without its length prefix). */
export function varUIntBodySize(value: bigint): number {
  if (value < 0n || value > MAX_UINT64) throw new CodecError('OER_VALUE_OUT_OF_RANGE', `VarUInt ${value} is outside 0..2^64-1`)
  if (value < 0x100n) return 1
  let n = 0
  for (let v = value; v > 0n; v >>= 8n) n++
  return n
}

/** Bytes taken by a VarUInt including its length prefix. */
export function varUIntSize(value: bigint): number {
  return 1 + varUIntBodySize(value)
}

/** Bytes taken by a var octet string of `length` bytes. */
export function varOctetStringSize(length: number): number {
  return lengthPrefixSize(length) + length
}

/** UTF-8 byte length of a string without encoding it. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8')
}

/**
 * A canonical OER writer (RFC 30). Size the buffer up front where the hot path allows (`new Writer(size)`),
 * otherwise it grows by doubling. `finish()` returns a view of exactly the bytes written.
 */
export class Writer {
  private buf: Uint8Array
  private view: DataView
  cursor = 0

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity)
    this.view = new DataView(this.buf.buffer)
  }

  private ensure(n: number): void {
    if (this.cursor + n <= this.buf.length) return
    let size = this.buf.length * 2 || 64
    while (size < this.cursor + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.cursor))
    this.buf = next
    this.view = new DataView(next.buffer)
  }

  writeUInt8(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new CodecError('OER_VALUE_OUT_OF_RANGE', `UInt8 ${v} out of range`)
    this.ensure(1)
    this.buf[this.cursor++] = v
  }

  writeUInt16(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new CodecError('OER_VALUE_OUT_OF_RANGE', `UInt16 ${v} out of range`)
    this.ensure(2)
    this.view.setUint16(this.cursor, v)
    this.cursor += 2
  }

  writeUInt32(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new CodecError('OER_VALUE_OUT_OF_RANGE', `UInt32 ${v} out of range`)
    this.ensure(4)
    this.view.setUint32(this.cursor, v)
    this.cursor += 4
  }

  writeUInt64(v: bigint): void {
    if (v < 0n || v > MAX_UINT64) throw new CodecError('OER_VALUE_OUT_OF_RANGE', `UInt64 ${v} out of range`)
    this.ensure(8)
    this.view.setBigUint64(this.cursor, v)
    this.cursor += 8
  }

  /** Fixed-length octet string; the caller guarantees the length the format requires. */
  writeOctetString(bytes: Uint8Array, length: number = bytes.length): void {
    if (bytes.length !== length) {
      throw new CodecError('OER_INVALID_LENGTH', `expected ${length} bytes, got ${bytes.length}`)
    }
    this.ensure(length)
    this.buf.set(bytes, this.cursor)
    this.cursor += length
  }

  writeLengthPrefix(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > 0xffff_ffff) {
      throw new CodecError('OER_INVALID_LENGTH', `length ${length} out of range`)
    }
    if (length < 0x80) {
      this.ensure(1)
      this.buf[this.cursor++] = length
      return
    }
    const n = lengthPrefixSize(length) - 1
    this.ensure(1 + n)
    this.buf[this.cursor++] = 0x80 | n
    for (let i = n - 1; i >= 0; i--) this.buf[this.cursor++] = Math.floor(length / 2 ** (8 * i)) & 0xff
  }

  writeVarOctetString(bytes: Uint8Array): void {
    this.writeLengthPrefix(bytes.length)
    this.ensure(bytes.length)
    this.buf.set(bytes, this.cursor)
    this.cursor += bytes.length
  }

  /** ASCII var string; rejects non-ASCII characters rather than mangling them. */
  writeVarAsciiString(s: string): void {
    this.writeLengthPrefix(s.length)
    this.ensure(s.length)
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c > 0x7f) throw new CodecError('OER_INVALID_STRING', 'expected an ASCII string')
      this.buf[this.cursor++] = c
    }
  }

  writeVarUtf8String(s: string): void {
    this.writeVarOctetString(utf8.encode(s))
  }

  writeVarUInt(value: bigint): void {
    const n = varUIntBodySize(value)
    this.ensure(1 + n)
    this.buf[this.cursor++] = n
    for (let i = n - 1; i >= 0; i--) this.buf[this.cursor++] = Number((value >> BigInt(8 * i)) & 0xffn)
  }

  /** SEQUENCE OF quantity, encoded as a VarUInt. */
  writeSequenceCount(count: number): void {
    this.writeVarUInt(BigInt(count))
  }

  /** Reserve `n` bytes to fill later (e.g. a length known only after the body is written). */
  reserve(n: number): number {
    this.ensure(n)
    const at = this.cursor
    this.cursor += n
    return at
  }

  /** The bytes written so far (a view; copy it if the writer is reused). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.cursor)
  }
}
