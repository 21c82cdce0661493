import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { encodeFrames, framesSize } from './ws-frames.js'

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
