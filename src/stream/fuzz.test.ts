/**
 * Fuzz: random and mutated inputs into the STREAM decoder and decryptor. The only acceptable failure is a
 * `CodecError`; anything else (TypeError, RangeError, a hang) is a bug. Findings become named tests in
 * packet.test.ts.
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { CodecError } from '../oer/errors.js'
import { IlpPacketType } from '../ilp/types.js'
import { FrameType } from './frames.js'
import { decodeStreamPacket, encodeStreamPacket, type StreamPacket } from './packet.js'
import { decryptStreamPacket, deriveStreamKeys, encryptStreamData } from './crypto.js'
import { mutateBytes as mutate } from '../../test/support/fuzz.js'

const INPUTS = 100_000

/** A small deterministic PRNG so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const seedPackets: StreamPacket[] = [
  { sequence: 1n, packetType: IlpPacketType.Prepare, amount: 100n, frames: [{ type: FrameType.StreamMoney, streamId: 1n, shares: 100n }] },
  {
    sequence: 0xffff_ffff_ffn,
    packetType: IlpPacketType.Reject,
    amount: 0n,
    frames: [
      { type: FrameType.ConnectionClose, errorCode: 1, errorMessage: 'bye' },
      { type: FrameType.ConnectionNewAddress, sourceAccount: 'example.alice' },
      { type: FrameType.ConnectionAssetDetails, sourceAssetCode: 'XRP', sourceAssetScale: 9 },
      { type: FrameType.StreamMaxMoney, streamId: 1n, receiveMax: 0xffff_ffff_ffff_ffffn, totalReceived: 5n },
      { type: FrameType.StreamData, streamId: 3n, offset: 10n, data: new Uint8Array(150).fill(7) },
      { type: FrameType.StreamReceipt, streamId: 1n, receipt: new Uint8Array(58) },
    ],
  },
]
const seeds = seedPackets.map(encodeStreamPacket)


function onlyCodecErrors(fn: () => void): number {
  try {
    fn()
    return 1
  } catch (e) {
    if (!(e instanceof CodecError)) throw e
    return 0
  }
}

describe('STREAM fuzz', () => {
  test(`${INPUTS} random and mutated inputs into decodeStreamPacket throw only CodecError`, () => {
    const rand = prng(0x5713)
    let decoded = 0
    for (let i = 0; i < INPUTS; i++) {
      const input = i % 2 === 0 ? randomBytes(Math.floor(rand() * 48)) : mutate(rand, seeds[i % seeds.length]!)
      // Random inputs: force a plausible header half of the time so the frame parser is reached.
      if (i % 4 === 0 && input.length >= 2) {
        input[0] = 1
        input[1] = 12
      }
      decoded += onlyCodecErrors(() => decodeStreamPacket(input))
    }
    assert.ok(decoded > 1000, `some inputs decode (${decoded})`)
  })

  test(`${INPUTS} random and mutated inputs into decryptStreamPacket throw only CodecError`, () => {
    const rand = prng(0xc0de)
    const keys = deriveStreamKeys(randomBytes(32))
    const ciphertexts = seeds.map((s) => encryptStreamData(keys.encryptionKey, s))
    let decoded = 0
    for (let i = 0; i < INPUTS; i++) {
      let input: Uint8Array
      switch (i % 3) {
        case 0:
          input = randomBytes(Math.floor(rand() * 80))
          break
        case 1:
          input = mutate(rand, ciphertexts[i % ciphertexts.length]!)
          break
        default:
          // Authentic ciphertext of a mutated plaintext: reaches the decoder through decryption.
          input = encryptStreamData(keys.encryptionKey, mutate(rand, seeds[i % seeds.length]!))
      }
      decoded += onlyCodecErrors(() => decryptStreamPacket(keys.encryptionKey, input))
    }
    assert.ok(decoded > 1000, `some authentic inputs decode (${decoded})`)
  })
})
