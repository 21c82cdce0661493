import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { hex, toHex } from '../../test/support/shared.js'
import { CodecError } from '../oer/errors.js'
import { decodePrepare } from '../ilp/packet.js'
import {
  conditionFor,
  decryptStreamData,
  decryptStreamPacket,
  deriveSharedSecretKeygen,
  deriveStreamKeys,
  encryptStreamData,
  fulfillmentFor,
  hmacSha256,
  randomCondition,
  sha256,
  sharedSecretFromToken,
} from './crypto.js'
import { FrameType } from './frames.js'
import { createReceipt, verifyReceipt } from './receipt.js'

const b64 = (s: string): string => Buffer.from(s, 'base64').toString('hex')
const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'ascii'))

describe('STREAM crypto vectors (ilp-protocol-stream test/crypto.test.ts)', () => {
  test('key derivation from "foo"', () => {
    const keys = deriveStreamKeys(ascii('foo'))
    assert.equal(toHex(keys.encryptionKey), b64('zfOGMU/uY+EOUCE6tN3WhE77bF/N6pS0wSOmMgEAMEA='))
    assert.equal(toHex(keys.fulfillmentKey), b64('lh8nGJCJosvfUePaU0uxxXK3jNvV2Y+5ivt1GH1Muhs='))
  })

  test('HMAC and SHA-256', () => {
    assert.equal(toHex(hmacSha256(new Uint8Array(32), ascii('foo'))), b64('DA2Y9+PZ1F5y6Id7wbEEMn77nAexjy/+ztdtgTB/H/8='))
    assert.equal(toHex(sha256(new Uint8Array(32))), '66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925')
  })

  test('decrypt a JS ciphertext', () => {
    const key = new Uint8Array(Buffer.from('AOStyoBvoK9/OFhdmf2TzQRrJsCkxH/cj49Ya7RFOEc=', 'base64'))
    const data = new Uint8Array(Buffer.from('Y1UiXpDA1GwAv+h95CEv67O49MOAJQrnYEQMrOFsbv6rrlE=', 'base64'))
    assert.equal(Buffer.from(decryptStreamData(key, data)).toString('utf8'), 'foo bar')
  })

  test('encrypt round-trips, output is IV ‖ tag ‖ ciphertext, tampering fails', () => {
    const key = deriveStreamKeys(ascii('secret')).encryptionKey
    const plaintext = ascii('hello stream')
    const data = encryptStreamData(key, plaintext)
    assert.equal(data.length, 28 + plaintext.length)
    assert.equal(toHex(decryptStreamData(key, data)), toHex(plaintext))
    for (const i of [0, 12, 27, 28, data.length - 1]) {
      const bad = new Uint8Array(data)
      bad[i]! ^= 1
      assert.throws(() => decryptStreamData(key, bad), (e: unknown) => e instanceof CodecError && e.code === 'STREAM_DECRYPT_FAILED')
    }
    assert.throws(() => decryptStreamData(key, data.subarray(0, 27)), (e: unknown) => e instanceof CodecError && e.code === 'STREAM_DECRYPT_FAILED')
  })

  test('random conditions are 32 fresh bytes', () => {
    const a = randomCondition()
    assert.equal(a.length, 32)
    assert.notDeepEqual(a, randomCondition())
  })
})

describe('STREAM crypto vectors (interledger-rs crypto.rs)', () => {
  const sharedSecret = hex('7edb755d76f8f9d314d3416eed50fdb35192e543e7315c7ffee6906667a69624')
  const keys = deriveStreamKeys(sharedSecret)
  const data = hex('77f8d5ea3fc8e08cd4de699ff6cb429b97ac44184ce85a0aed92bd49f8c4b16c73df')

  test('encrypt with a fixed IV matches the Rust/JS output', () => {
    assert.equal(toHex(encryptStreamData(keys.encryptionKey, hex('63000cff4d1f'), hex('77f8d5ea3fc8e08cd4de699f'))), toHex(data))
    assert.equal(toHex(decryptStreamData(keys.encryptionKey, data)), '63000cff4d1f')
  })

  test('fulfillment of that data', () => {
    assert.equal(toHex(fulfillmentFor(keys.fulfillmentKey, data)), '18063849e5ec58e3527098319849b6b7c607e97c77410d44366c78c13be26b27')
  })
})

describe('end-to-end JS Prepare (interledger-rs server.rs)', () => {
  // Produced by the JS ilp-protocol-stream library; the vector is from interledger-rs `server.rs`.
  const prepareBytes = hex(
    '0c819900000000000001f43230313931303238323134313533383338f31a96346c613011947f39a0f1f4e573c2fc3e7e53797672b01d2898e90c9a07' +
      '23746573742e70656572422e4e6a584430754a504275477a353653426d4933755836682d' +
      '3b6cc484c0d4e9282275d4b37c6ae18f35b497ddbfcbce6d9305b9451b4395c3158aa75e05bf27582a237109ec6ca0129d840da7abd96826c8147d0d',
  )

  test('the derived shared secret and fulfillment match, and the plaintext decodes', () => {
    const prepare = decodePrepare(prepareBytes)
    assert.equal(prepare.destination, 'test.peerB.NjXD0uJPBuGz56SBmI3uX6h-')
    // Rust address scheme: token = the last address segment as ASCII, server secret = 32 zero bytes.
    const keygen = deriveSharedSecretKeygen(new Uint8Array(32))
    const secret = sharedSecretFromToken(keygen, ascii('NjXD0uJPBuGz56SBmI3uX6h-'))
    assert.equal(toHex(secret), 'b7d09d2e16e6f83c55b60e42fcd7c2b8ed49624a1df73c59b383dbe2e8690309')
    const keys = deriveStreamKeys(secret)
    assert.equal(toHex(conditionFor(keys.fulfillmentKey, prepare.data)), toHex(prepare.executionCondition))
    assert.equal(toHex(sha256(fulfillmentFor(keys.fulfillmentKey, prepare.data))), toHex(prepare.executionCondition))
    const packet = decryptStreamPacket(keys.encryptionKey, prepare.data)
    assert.equal(packet.sequence, 7n)
    assert.equal(packet.amount, 495n)
    assert.deepEqual(packet.frames, [
      { type: FrameType.StreamMaxMoney, streamId: 1n, receiveMax: 0n, totalReceived: 0n },
      { type: FrameType.StreamMaxData, streamId: 1n, maxOffset: 16384n },
      { type: FrameType.StreamMoney, streamId: 1n, shares: 1000n },
    ])
  })
})

describe('STREAM receipts (RFC 39 vector)', () => {
  test('nonce 0, stream 1, total 500, secret 0', () => {
    const receipt = createReceipt({ nonce: new Uint8Array(16), streamId: 1, totalReceived: 500n }, new Uint8Array(32))
    assert.equal(
      toHex(receipt),
      '01' + '00'.repeat(16) + '01' + '00000000000001f4' + 'c122fa0252debb672d591823f710e99516d67385cf397da87cc8f9e8c8bf5130',
    )
    assert.deepEqual(verifyReceipt(receipt, new Uint8Array(32)), { nonce: new Uint8Array(16), streamId: 1, totalReceived: 500n })
    const bad = new Uint8Array(receipt)
    bad[25]! ^= 1
    assert.throws(() => verifyReceipt(bad, new Uint8Array(32)), CodecError)
  })
})
