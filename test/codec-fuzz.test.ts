/**
 * Fuzzing the decoders: 100,000 random and mutated inputs each. A decoder may accept an input or throw a
 * CodecError; any other exception (or an accepted packet that cannot be re-encoded) is a finding, reported
 * with the input's hex so it can become a named regression test below. Deterministic: a fixed-seed PRNG.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  IlpPacketType,
  RAW,
  amountTooLarge,
  decodeAmountTooLargeData,
  decodeIldcpResponse,
  decodeIldcpResponseData,
  decodeIlpPacket,
  encodeIldcpRequest,
  encodeIlpPacket,
  ildcpResponse,
  type IlpPacket,
} from '../src/ilp/index.js'
import { CodecError, Reader } from '../src/oer/index.js'
import { plain } from './codec-support.js'

const INPUTS = 100_000

/** xorshift32: fast and reproducible. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 0x1_0000_0000
  }
}

type Rng = () => number
const int = (rng: Rng, n: number): number => Math.floor(rng() * n)

function randomBytes(rng: Rng, maxLength: number): Uint8Array {
  const b = new Uint8Array(int(rng, maxLength + 1))
  for (let i = 0; i < b.length; i++) b[i] = int(rng, 256)
  return b
}

/** One to four mutations: flip a bit, set a byte to an edge value, truncate, insert, delete or splice bytes. */
function mutate(rng: Rng, seed: Uint8Array): Uint8Array {
  let b = seed.slice()
  for (let m = 1 + int(rng, 4); m > 0; m--) {
    const at = b.length === 0 ? 0 : int(rng, b.length)
    switch (int(rng, 6)) {
      case 0:
        if (b.length > 0) b[at] = b[at]! ^ (1 << int(rng, 8))
        break
      case 1:
        if (b.length > 0) b[at] = [0x00, 0x7f, 0x80, 0x81, 0x82, 0x88, 0xff, 0x2e, 0x30, 0x3a][int(rng, 10)]!
        break
      case 2:
        b = b.subarray(0, at)
        break
      case 3:
        b = new Uint8Array([...b.subarray(0, at), ...randomBytes(rng, 4), ...b.subarray(at)])
        break
      case 4:
        b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + 1 + int(rng, 4))])
        break
      default:
        b = new Uint8Array([...b, ...randomBytes(rng, 8)])
    }
  }
  return b
}

let accepted = 0

/** Feeds INPUTS inputs to `decode`; returns the findings (non-CodecError exceptions) as hex with a reason. */
function fuzz(seeds: readonly Uint8Array[], seed: number, decode: (input: Uint8Array) => void, firstBytes: readonly number[] = []): string[] {
  const rng = prng(seed)
  const findings: string[] = []
  accepted = 0
  for (let i = 0; i < INPUTS && findings.length < 5; i++) {
    let input: Uint8Array
    if (i % 2 === 0) input = mutate(rng, seeds[int(rng, seeds.length)]!)
    else {
      input = randomBytes(rng, 80)
      if (input.length > 0 && firstBytes.length > 0) input[0] = firstBytes[int(rng, firstBytes.length)]!
    }
    try {
      decode(input)
      accepted++
    } catch (err) {
      if (!(err instanceof CodecError)) findings.push(`${Buffer.from(input).toString('hex')}: ${String(err)}`)
    }
  }
  return findings
}

const condition = new Uint8Array(32).fill(0xab)
const seedPackets: IlpPacket[] = [
  { type: IlpPacketType.Prepare, amount: 107n, expiresAt: new Date('2017-12-23T01:21:40.549Z'), executionCondition: condition, destination: 'example.alice', data: new Uint8Array(20).fill(1) },
  { type: IlpPacketType.Prepare, amount: 2n ** 64n - 1n, expiresAt: new Date('2020-02-29T23:59:59.999Z'), executionCondition: condition, destination: 'g.' + 'a'.repeat(150), data: new Uint8Array(200).fill(2) },
  { type: IlpPacketType.Fulfill, fulfillment: condition, data: new Uint8Array(5) },
  { type: IlpPacketType.Reject, code: 'F99', triggeredBy: 'test.bob', message: 'héllo', data: new Uint8Array(3) },
  amountTooLarge('g.connector', 255n, 65535n),
  { type: IlpPacketType.Reject, code: 'T00', triggeredBy: '', message: '', data: new Uint8Array(0) },
]
const seeds = seedPackets.map(encodeIlpPacket)

/** A decoded packet must re-encode to the same fields (nothing the decoder accepts is unencodable). */
function decodeAndReencode(input: Uint8Array): void {
  const packet = decodeIlpPacket(input)
  assert.equal(packet.type, input[0], 'the decoded type is the type byte')
  const again = decodeIlpPacket(encodeIlpPacket({ ...packet, [RAW]: undefined }))
  assert.deepEqual(plain(again), plain(packet))
}

describe('fuzzing (100,000 inputs per decoder, only CodecError allowed)', () => {
  test('decodeIlpPacket, with re-encoding of whatever it accepts', () => {
    assert.deepEqual(fuzz(seeds, 0x1f2e3d4c, decodeAndReencode, [12, 13, 14]), [])
    assert.ok(accepted > 5000, `mutations still reach the re-encoding path (${accepted} accepted)`)
  })

  test('ILDCP response decode (packet and data)', () => {
    const response = encodeIlpPacket(ildcpResponse({ clientAddress: 'example.client', assetScale: 13, assetCode: 'XAM' }))
    const data = ildcpResponse({ clientAddress: 'g.parent.child', assetScale: 9, assetCode: '€uro' }).data
    assert.deepEqual(fuzz([response, encodeIldcpRequest({ now: () => 0 })], 0x5eed, decodeIldcpResponse, [13]), [])
    assert.deepEqual(fuzz([data], 0xdecaf, decodeIldcpResponseData), [])
    assert.deepEqual(fuzz([new Uint8Array(16)], 0xf08, decodeAmountTooLargeData), [])
  })

  test('OER reader primitives: random read sequences over random and mutated bytes', () => {
    const ops: Array<(r: Reader) => unknown> = [
      (r) => r.readUInt8(),
      (r) => r.readUInt16(),
      (r) => r.readUInt32(),
      (r) => r.readUInt64(),
      (r) => r.readLengthPrefix(),
      (r) => r.readLengthDeterminant(),
      (r) => r.readVarOctetString(),
      (r) => r.skipVarOctetString(),
      (r) => r.readVarAsciiString(),
      (r) => r.readVarUtf8String(),
      (r) => r.readVarUInt(),
      (r) => r.readVarUIntSaturating(),
      (r) => r.readVarUIntNumber(),
      (r) => r.readSequenceCount(),
      (r) => r.readOctetString(32),
    ]
    const opRng = prng(77)
    const readAll = (input: Uint8Array): void => {
      const r = new Reader(input)
      const before = r.cursor
      for (let steps = 0; r.remaining > 0 && steps < 64; steps++) ops[int(opRng, ops.length)]!(r)
      assert.ok(r.cursor >= before && r.cursor <= input.length, 'the cursor stays inside the input')
    }
    const oerSeeds = ['0100', '08ffffffffffffffff', '8182' + '00'.repeat(130), '02012c', '05 68656c6c6f', '88AC01055A1DEBAC1E'].map((h) => new Uint8Array(Buffer.from(h.replace(/ /g, ''), 'hex')))
    assert.deepEqual(fuzz(oerSeeds, 0xc0ffee, readAll), [])
  })
})

describe('fuzz findings kept as named regression tests', () => {
  test('a Buffer input patched by a connector is not aliased (Buffer#slice is a view)', () => {
    // Found while testing patchPrepare on socket-style Buffer input: the copy must be a real copy.
    const input = Buffer.from(seeds[0]!)
    const before = input.toString('hex')
    const p = decodeIlpPacket(input)
    assert.equal(p.type, IlpPacketType.Prepare)
    encodeIlpPacket({ ...p, amount: 1n })
    assert.equal(input.toString('hex'), before)
  })

  test('a long form whose length bytes overflow 2^53 is OER_TRUNCATED, not a RangeError', () => {
    const r = new Reader(new Uint8Array(Buffer.from('88ffffffffffffffff00', 'hex')))
    assert.throws(() => r.readLengthPrefix(), (e: unknown) => e instanceof CodecError && e.code === 'OER_TRUNCATED')
  })

  test('found by differential fuzzing: a packet with type byte 0 is ILP_UNKNOWN_TYPE, not a Reject', () => {
    // The "any type" sentinel of the envelope reader was 0, so type 0 passed as if it were expected.
    const reject = seeds[3]!.slice()
    reject[0] = 0
    assert.throws(() => decodeIlpPacket(reject), (e: unknown) => e instanceof CodecError && e.code === 'ILP_UNKNOWN_TYPE')
  })

  test('a non-Uint8Array input is a CodecError', () => {
    assert.throws(() => decodeIlpPacket('0c00' as unknown as Uint8Array), CodecError)
  })
})
