import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { readSharedJson, hex, toHex } from '../../test/support/shared.js'
import { normalise, packetArb } from '../../test/stream-arbitraries.js'
import { CodecError } from '../oer/errors.js'
import { MAX_UINT64 } from '../oer/reader.js'
import { IlpPacketType } from '../ilp/types.js'
import { FrameType, type Frame } from './frames.js'
import { decodeStreamPacket, encodeStreamPacket, type StreamPacket } from './packet.js'

interface Fixture {
  name: string
  packet: { sequence: string; packetType: number; amount: string; frames: Array<Record<string, unknown>> }
  buffer: string
  decode_only?: boolean
}

const fixtures = readSharedJson<Fixture[]>('vectors/stream/StreamPacketFixtures.json')

const BIGINT_FIELDS = new Set(['streamId', 'shares', 'receiveMax', 'totalReceived', 'sendMax', 'totalSent', 'offset', 'maxOffset', 'maxStreamId'])
const BYTES_FIELDS = new Set(['data', 'receipt'])

/** The fixture's JSON frame in this library's shape: decimal strings → bigint, base64 → bytes, `name` dropped. */
function frameFromJson(json: Record<string, unknown>): Frame {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(json)) {
    if (k === 'name') continue
    if (BIGINT_FIELDS.has(k)) out[k] = BigInt(v as string)
    else if (BYTES_FIELDS.has(k)) out[k] = new Uint8Array(Buffer.from(v as string, 'base64'))
    else out[k] = v
  }
  assert.equal(FrameType[json.type as number], json.name, 'fixture frame name matches FrameType')
  return out as unknown as Frame
}

function packetFromJson(f: Fixture): StreamPacket {
  return {
    sequence: BigInt(f.packet.sequence),
    packetType: f.packet.packetType,
    amount: BigInt(f.packet.amount),
    frames: f.packet.frames.map(frameFromJson),
  }
}

/** Normalises byte views to plain Uint8Array so deepEqual compares contents, not Buffer vs view. */
function plain(p: StreamPacket): unknown {
  return { ...p, frames: p.frames.map((fr) => Object.fromEntries(Object.entries(fr).map(([k, v]) => [k, v instanceof Uint8Array ? toHex(v) : v]))) }
}

describe('STREAM packet fixtures (RFC 29 test vectors)', () => {
  test('there are 53 fixtures, 2 decode-only', () => {
    assert.equal(fixtures.length, 53)
    assert.equal(fixtures.filter((f) => f.decode_only).length, 2)
  })

  for (const f of fixtures) {
    test(f.name, () => {
      const bytes = new Uint8Array(Buffer.from(f.buffer, 'base64'))
      const expected = packetFromJson(f)
      assert.deepEqual(plain(decodeStreamPacket(bytes)), plain(expected))
      if (!f.decode_only) assert.equal(toHex(encodeStreamPacket(expected)), toHex(bytes))
    })
  }

  test('decode-only fixtures saturate at 2^64-1', () => {
    for (const f of fixtures.filter((x) => x.decode_only)) {
      const p = decodeStreamPacket(new Uint8Array(Buffer.from(f.buffer, 'base64')))
      const frame = p.frames[0]!
      const v = frame.type === FrameType.StreamMaxMoney ? frame.receiveMax : frame.type === FrameType.StreamMoneyBlocked ? frame.sendMax : -1n
      assert.equal(v, MAX_UINT64)
    }
  })
})

describe('STREAM packet codec edges', () => {
  const empty: StreamPacket = { sequence: 0n, packetType: IlpPacketType.Prepare, amount: 0n, frames: [] }

  test('empty packet is 01 0c 01 00 01 00 01 00 (protocol-notes §6.2)', () => {
    assert.equal(toHex(encodeStreamPacket(empty)), '010c010001000100')
  })

  test('junk after the frames is ignored', () => {
    const p = decodeStreamPacket(hex('010c010001000100 0000000000 ffff'))
    assert.deepEqual(p, empty)
  })

  test('unknown frame types are skipped by length', () => {
    // 2 frames: unknown 0x99 with 3 bytes, then StreamMoney(1, 5)
    const p = decodeStreamPacket(hex('010c 0101 0100 0102 99 03 aabbcc 11 04 0101 0105'))
    assert.deepEqual(p.frames, [{ type: FrameType.StreamMoney, streamId: 1n, shares: 5n }])
  })

  test('extra bytes inside a known frame are ignored (RFC 30 extensibility)', () => {
    const p = decodeStreamPacket(hex('010c 0101 0100 0101 11 06 0101 0105 eeee'))
    assert.deepEqual(p.frames, [{ type: FrameType.StreamMoney, streamId: 1n, shares: 5n }])
  })

  test('rejects a wrong version, a bad ILP type, truncation and oversized non-saturating fields', () => {
    const cases: Array<[string, string]> = [
      ['020c010001000100', 'STREAM_UNSUPPORTED_VERSION'],
      ['010b010001000100', 'STREAM_INVALID_PACKET'],
      ['010c0100010001', 'OER_TRUNCATED'],
      ['010c 0101 0100 0101 11 04 0101', 'OER_TRUNCATED'],
      // StreamMoney shares of 9 bytes: only receiveMax/sendMax saturate
      ['010c 0101 0100 0101 11 0c 0101 09 010000000000000000', 'OER_VARUINT_TOO_LARGE'],
      ['010c 0101 0100 0105 11 04 0101 0105', 'OER_VALUE_OUT_OF_RANGE'],
    ]
    for (const [h, code] of cases) {
      assert.throws(() => decodeStreamPacket(hex(h)), (e: unknown) => e instanceof CodecError && e.code === code, `${h} → ${code}`)
    }
  })

  test('encode refuses values outside u64 and UInt8', () => {
    assert.throws(() => encodeStreamPacket({ ...empty, amount: MAX_UINT64 + 1n }), CodecError)
    assert.throws(() => encodeStreamPacket({ ...empty, frames: [{ type: FrameType.ConnectionClose, errorCode: 256, errorMessage: '' }] }), CodecError)
  })

  test('VarUInts at every byte-length boundary encode canonically (the encoder writes numbers below 2^48 from a double)', () => {
    for (let bytes = 1; bytes <= 8; bytes++) {
      const top = (1n << BigInt(8 * bytes)) - 1n
      for (const value of [top, top + 1n, 1n << BigInt(8 * bytes - 1)]) {
        if (value > MAX_UINT64) continue
        const packet: StreamPacket = { ...empty, sequence: value, amount: value, frames: [{ type: FrameType.StreamMoney, streamId: value, shares: value }] }
        const encoded = encodeStreamPacket(packet)
        assert.deepEqual(decodeStreamPacket(encoded), packet, `value ${value}`)
        const length = value === 0n ? 1 : Math.ceil(value.toString(16).length / 2)
        assert.equal(encoded[2], length, `length byte of ${value}`)
        assert.equal(encoded.length, 2 + 2 * (1 + length) + 2 + 1 + 1 + 2 * (1 + length), `size with ${value}`)
      }
    }
  })

  test('round trip: decode(encode(p)) = p for 2,000 random packets (fast-check)', () => {
    fc.assert(
      fc.property(packetArb, (p) => {
        assert.deepEqual(normalise(decodeStreamPacket(encodeStreamPacket(p))), normalise(p))
      }),
      { numRuns: 2_000 },
    )
  })
})
