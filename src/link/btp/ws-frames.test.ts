import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { FrameBatch, encodeFrames, framesSize } from './ws-frames.js'

/** ws's own frame parser: what a peer running ws reads from our bytes. */
interface WsReceiver {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void
  on(event: 'error', listener: (err: Error) => void): void
  write(chunk: Buffer): void
}
const Receiver = (createRequire(import.meta.url)('ws') as { Receiver: new (options: object) => WsReceiver }).Receiver

function readBack(bytes: Buffer, isServer: boolean): { messages: Buffer[]; errors: Error[] } {
  const receiver = new Receiver({ isServer, maxPayload: 0, allowSynchronousEvents: true })
  const messages: Buffer[] = []
  const errors: Error[] = []
  receiver.on('message', (data, isBinary) => {
    assert.equal(isBinary, true)
    messages.push(Buffer.from(data))
  })
  receiver.on('error', (err) => errors.push(err))
  // In two pieces split mid-frame, as a socket may deliver them.
  const cut = Math.floor(bytes.length / 3)
  receiver.write(bytes.subarray(0, cut))
  receiver.write(bytes.subarray(cut))
  return { messages, errors }
}

const payloads = [0, 1, 3, 125, 126, 127, 1000, 65_535, 65_536, 70_001].map((n) => {
  const p = new Uint8Array(n)
  for (let i = 0; i < n; i++) p[i] = (i * 31 + n) & 0xff
  return p
})

for (const masked of [false, true]) {
  test(`ws reads every frame back (${masked ? 'masked, client to server' : 'unmasked, server to client'})`, () => {
    const bytes = encodeFrames(payloads, masked)
    assert.equal(bytes.length, framesSize(payloads, masked))
    // A server requires masked frames and a client refuses them (RFC 6455 §5.1): ws enforces both.
    const { messages, errors } = readBack(bytes, masked)
    assert.deepEqual(errors, [])
    assert.equal(messages.length, payloads.length)
    for (let i = 0; i < payloads.length; i++) assert.deepEqual(new Uint8Array(messages[i]!), payloads[i])
  })
}

test('the masking key changes from frame to frame and the payload does not show through', () => {
  const payload = new Uint8Array(64) // zeros: a masked frame of zeros carries its key repeated
  const bytes = encodeFrames([payload, payload], true)
  const frameLength = 2 + 4 + 64
  const key1 = bytes.subarray(2, 6)
  const key2 = bytes.subarray(frameLength + 2, frameLength + 6)
  assert.notDeepEqual(key1, key2)
  assert.deepEqual(bytes.subarray(6, 10), key1)
})

test('no frames: an empty write', () => {
  assert.equal(encodeFrames([], true).length, 0)
})

test('a batch that outgrows its memory comes out in parts that read back in order; a cancelled frame leaves nothing', () => {
  for (const masked of [false, true]) {
    const batch = new FrameBatch(masked)
    const sent: Uint8Array[] = []
    for (let i = 0; i < 60; i++) {
      const payload = new Uint8Array(1000 + i).fill(i)
      if (i % 10 === 5) {
        batch.begin(payload.length)
        batch.cancel() // as when a payload cannot be encoded after its header was written
      }
      batch.add(payload)
      sent.push(payload)
    }
    assert.equal(batch.frames, 60)
    assert.equal(batch.bytes, framesSize(sent, masked))
    const parts = batch.take()
    assert.ok(parts.length > 1, 'more than one slab')
    assert.equal(batch.bytes, 0)
    const { messages, errors } = readBack(Buffer.concat(parts), masked)
    assert.deepEqual(errors, [])
    assert.deepEqual(messages.map((m) => new Uint8Array(m)), sent)
    // The batch goes on after a take, without touching what was handed over.
    const handedOver = Buffer.concat(parts)
    batch.add(new Uint8Array([1, 2, 3]))
    assert.deepEqual(Buffer.concat(parts), handedOver)
    assert.equal(batch.take().reduce((n, p) => n + p.length, 0), framesSize([new Uint8Array(3)], masked))
  }
})
