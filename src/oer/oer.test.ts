import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { CodecError, Reader, Writer, MAX_UINT64, allocBytes, copyBytes, lengthPrefixSize, varUIntSize } from './index.js'
import { hex, toHex } from '../../test/support/shared.js'

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof CodecError, `expected a CodecError, got ${String(err)}`)
    return err.code
  }
  assert.fail('expected a CodecError')
}

function written(fn: (w: Writer) => void): string {
  const w = new Writer(1)
  fn(w)
  return toHex(w.finish())
}

describe('fixed UInts (RFC 30)', () => {
  test('UInt8/16/32/64 read big-endian and write back the same bytes', () => {
    const r = new Reader(hex('ff 1234 deadbeef AC01055A1DEBAC1E'))
    assert.equal(r.readUInt8(), 0xff)
    assert.equal(r.readUInt16(), 0x1234)
    assert.equal(r.readUInt32(), 0xdeadbeef)
    assert.equal(r.readUInt64(), 12394193534107495454n)
    assert.equal(r.remaining, 0)
    const out = written((w) => {
      w.writeUInt8(0xff)
      w.writeUInt16(0x1234)
      w.writeUInt32(0xdeadbeef)
      w.writeUInt64(12394193534107495454n)
    })
    assert.equal(out, 'ff1234deadbeefac01055a1debac1e')
  })

  test('UInt64 boundaries: 0, 2^32, 2^53, 2^64-1', () => {
    for (const v of [0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, 2n ** 53n - 1n, 2n ** 53n, MAX_UINT64]) {
      const bytes = new Writer(8)
      bytes.writeUInt64(v)
      assert.equal(new Reader(bytes.finish()).readUInt64(), v)
    }
  })

  test('out-of-range writes are OER_VALUE_OUT_OF_RANGE', () => {
    const w = new Writer()
    assert.equal(codeOf(() => w.writeUInt8(256)), 'OER_VALUE_OUT_OF_RANGE')
    assert.equal(codeOf(() => w.writeUInt16(-1)), 'OER_VALUE_OUT_OF_RANGE')
    assert.equal(codeOf(() => w.writeUInt32(2 ** 32)), 'OER_VALUE_OUT_OF_RANGE')
    assert.equal(codeOf(() => w.writeUInt64(MAX_UINT64 + 1n)), 'OER_VALUE_OUT_OF_RANGE')
    assert.equal(codeOf(() => w.writeUInt64(-1n)), 'OER_VALUE_OUT_OF_RANGE')
  })

  test('truncated fixed reads are OER_TRUNCATED', () => {
    assert.equal(codeOf(() => new Reader(hex('')).readUInt8()), 'OER_TRUNCATED')
    assert.equal(codeOf(() => new Reader(hex('12')).readUInt16()), 'OER_TRUNCATED')
    assert.equal(codeOf(() => new Reader(hex('123456')).readUInt32()), 'OER_TRUNCATED')
    assert.equal(codeOf(() => new Reader(hex('12345678901234')).readUInt64()), 'OER_TRUNCATED')
    assert.equal(codeOf(() => new Reader(hex('1234')).readOctetString(3)), 'OER_TRUNCATED')
  })

  test('a reader window never reads past its end', () => {
    const r = new Reader(hex('0102030405'), 1, 3)
    assert.equal(r.readUInt16(), 0x0203)
    assert.equal(codeOf(() => r.readUInt8()), 'OER_TRUNCATED')
    assert.equal(codeOf(() => new Reader(hex('01'), 0, 2)), 'OER_INVALID_LENGTH')
  })
})

describe('length determinants (RFC 30 examples)', () => {
  const examples: Array<[string, bigint]> = [
    ['07', 7n],
    ['8182', 130n],
    ['821234', 4660n],
    ['83ABCDEF', 11259375n],
    ['88AC01055A1DEBAC1E', 12394193534107495454n],
  ]
  for (const [bytes, value] of examples) {
    test(`${bytes} = ${value}`, () => {
      assert.equal(new Reader(hex(bytes)).readLengthDeterminant(), value)
    })
  }

  test('small examples encode to the same bytes and decode as numbers', () => {
    for (const [bytes, value] of examples.slice(0, 4)) {
      assert.equal(written((w) => w.writeLengthPrefix(Number(value))), bytes.toLowerCase())
      const r = new Reader(new Uint8Array([...hex(bytes), ...new Uint8Array(Number(value))]))
      assert.equal(r.readLengthPrefix(), Number(value))
    }
  })

  test('a length larger than the input is OER_TRUNCATED (88AC01… cannot fit)', () => {
    assert.equal(codeOf(() => new Reader(hex('88AC01055A1DEBAC1E')).readLengthPrefix()), 'OER_TRUNCATED')
    assert.equal(codeOf(() => new Reader(hex('05 0102')).readVarOctetString()), 'OER_TRUNCATED')
  })

  test('0x80 (long form with no length bytes) is OER_INVALID_LENGTH', () => {
    assert.equal(codeOf(() => new Reader(hex('80')).readLengthPrefix()), 'OER_INVALID_LENGTH')
    assert.equal(codeOf(() => new Reader(hex('80')).readLengthDeterminant()), 'OER_INVALID_LENGTH')
  })

  test('more than 8 length bytes is OER_INVALID_LENGTH', () => {
    assert.equal(codeOf(() => new Reader(hex('89 01 00000000 00000000')).readLengthPrefix()), 'OER_INVALID_LENGTH')
  })

  test('non-canonical long forms are OER_NON_CANONICAL_LENGTH', () => {
    assert.equal(codeOf(() => new Reader(hex('8105 0000000000')).readLengthPrefix()), 'OER_NON_CANONICAL_LENGTH')
    assert.equal(codeOf(() => new Reader(hex('817f')).readLengthPrefix()), 'OER_NON_CANONICAL_LENGTH')
    assert.equal(codeOf(() => new Reader(hex('820080')).readLengthPrefix()), 'OER_NON_CANONICAL_LENGTH')
    assert.equal(codeOf(() => new Reader(hex('820005')).readLengthDeterminant()), 'OER_NON_CANONICAL_LENGTH')
  })

  test('a truncated long form is OER_TRUNCATED', () => {
    assert.equal(codeOf(() => new Reader(hex('82 01')).readLengthPrefix()), 'OER_TRUNCATED')
  })

  test('property: every length round-trips and uses the canonical size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (n) => {
        const w = new Writer(8)
        w.writeLengthPrefix(n)
        const bytes = w.finish()
        assert.equal(bytes.length, lengthPrefixSize(n))
        assert.equal(new Reader(bytes).readLengthDeterminant(), BigInt(n))
      }),
    )
  })
})

describe('VarUInt (RFC 30, as used by STREAM and counts)', () => {
  test('zero is 01 00, 2^64-1 is 08 ff…ff, and 08 AC01055A1DEBAC1E is the RFC 30 example', () => {
    assert.equal(written((w) => w.writeVarUInt(0n)), '0100')
    assert.equal(written((w) => w.writeVarUInt(MAX_UINT64)), '08ffffffffffffffff')
    assert.equal(written((w) => w.writeVarUInt(12394193534107495454n)), '08ac01055a1debac1e')
    assert.equal(new Reader(hex('0100')).readVarUInt(), 0n)
    assert.equal(new Reader(hex('08AC01055A1DEBAC1E')).readVarUInt(), 12394193534107495454n)
    assert.equal(new Reader(hex('02012c')).readVarUInt(), 300n)
  })

  test('zero length, leading zeros and more than 8 bytes are rejected', () => {
    assert.equal(codeOf(() => new Reader(hex('00')).readVarUInt()), 'OER_NON_CANONICAL_VARUINT')
    assert.equal(codeOf(() => new Reader(hex('020001')).readVarUInt()), 'OER_NON_CANONICAL_VARUINT')
    assert.equal(codeOf(() => new Reader(hex('09 010000000000000000')).readVarUInt()), 'OER_VARUINT_TOO_LARGE')
    assert.equal(codeOf(() => new Reader(hex('03 0102')).readVarUInt()), 'OER_TRUNCATED')
  })

  test('the saturating read caps wider canonical values at 2^64-1 (STREAM receiveMax/sendMax)', () => {
    assert.equal(new Reader(hex('09 010000000000000000')).readVarUIntSaturating(), MAX_UINT64)
    assert.equal(new Reader(hex('02 0102')).readVarUIntSaturating(), 0x102n)
    assert.equal(codeOf(() => new Reader(hex('09 000000000000000001')).readVarUIntSaturating()), 'OER_NON_CANONICAL_VARUINT')
  })

  test('readVarUIntNumber refuses values above 2^53-1', () => {
    assert.equal(new Reader(hex('07 1fffffffffffff')).readVarUIntNumber(), Number.MAX_SAFE_INTEGER)
    assert.equal(codeOf(() => new Reader(hex('07 20000000000000')).readVarUIntNumber()), 'OER_VALUE_OUT_OF_RANGE')
  })

  test('writing a negative or too large VarUInt is OER_VALUE_OUT_OF_RANGE', () => {
    assert.equal(codeOf(() => new Writer().writeVarUInt(-1n)), 'OER_VALUE_OUT_OF_RANGE')
    assert.equal(codeOf(() => new Writer().writeVarUInt(MAX_UINT64 + 1n)), 'OER_VALUE_OUT_OF_RANGE')
  })

  test('property: every u64 round-trips canonically', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_UINT64 }), (v) => {
        const w = new Writer(9)
        w.writeVarUInt(v)
        const bytes = w.finish()
        assert.equal(bytes.length, varUIntSize(v))
        assert.ok(bytes[0] === 1 || bytes[1] !== 0, 'no leading zero byte')
        const r = new Reader(bytes)
        assert.equal(r.readVarUInt(), v)
        assert.equal(r.remaining, 0)
      }),
    )
  })
})

describe('SEQUENCE OF counts', () => {
  test('01 00 = 0, 01 04 = 4, 02 01 2C = 300', () => {
    assert.equal(new Reader(hex('0100')).readSequenceCount(), 0)
    assert.equal(new Reader(hex('0104')).readSequenceCount(), 4)
    assert.equal(new Reader(hex('02012c')).readSequenceCount(), 300)
    assert.equal(written((w) => w.writeSequenceCount(300)), '02012c')
  })

  test('a count above the caller limit is OER_VALUE_OUT_OF_RANGE', () => {
    assert.equal(codeOf(() => new Reader(hex('02012c')).readSequenceCount(299)), 'OER_VALUE_OUT_OF_RANGE')
  })
})

describe('var octet strings and var strings', () => {
  test('var octet string: length then bytes, as a zero-copy view', () => {
    const input = hex('03 aabbcc dd')
    const r = new Reader(input)
    const v = r.readVarOctetString()
    assert.equal(toHex(v), 'aabbcc')
    assert.equal(v.buffer, input.buffer)
    assert.equal(r.remaining, 1)
  })

  test('a 130-byte string uses the long form 81 82', () => {
    const out = written((w) => w.writeVarOctetString(new Uint8Array(130)))
    assert.equal(out.slice(0, 4), '8182')
    assert.equal(out.length, 2 * 132)
  })

  test('the RFC 30 address example 18 6578616D706C652E746F702E6D6964646C652E6C6F776572', () => {
    const bytes = hex('18 6578616D706C652E746F702E6D6964646C652E6C6F776572')
    assert.equal(new Reader(bytes).readVarAsciiString(), 'example.top.middle.lower')
    assert.equal(written((w) => w.writeVarAsciiString('example.top.middle.lower')), toHex(bytes))
  })

  test('ASCII strings reject bytes above 0x7f; UTF-8 strings reject invalid UTF-8', () => {
    assert.equal(codeOf(() => new Reader(hex('02 41c3')).readVarAsciiString()), 'OER_INVALID_STRING')
    assert.equal(new Reader(hex('02 c3a9')).readVarUtf8String(), 'é')
    assert.equal(codeOf(() => new Reader(hex('02 c328')).readVarUtf8String()), 'OER_INVALID_STRING')
    assert.equal(codeOf(() => new Writer().writeVarAsciiString('é')), 'OER_INVALID_STRING')
  })

  test('property: UTF-8 strings round-trip', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => {
        const w = new Writer(4)
        w.writeVarUtf8String(s)
        assert.equal(new Reader(w.finish()).readVarUtf8String(), s)
      }),
    )
  })
})

describe('pooled output buffers', () => {
  test('allocBytes hands out disjoint zero-filled views; copyBytes returns a plain Uint8Array', () => {
    const a = allocBytes(100)
    const b = allocBytes(100)
    a.fill(1)
    assert.ok(b.every((x) => x === 0))
    const c = copyBytes(Buffer.from('abc'))
    assert.equal(Object.getPrototypeOf(c), Uint8Array.prototype)
    assert.equal(toHex(c), '616263')
    assert.equal(allocBytes(100_000).byteOffset, 0, 'large outputs get their own buffer')
  })
})
