import { test } from 'node:test'
import assert from 'node:assert/strict'
import { WriteBatch, writeDecimal, DECIMAL_MAX_BYTES } from './write-batch.js'

test('writeDecimal writes what String(n) does, and says where it ends', () => {
  const out = Buffer.alloc(DECIMAL_MAX_BYTES + 2)
  const samples = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 32_767, 65_536, 4_294_967_296, Number.MAX_SAFE_INTEGER]
  for (let i = 0; i < 2000; i++) samples.push(Math.floor(Math.random() * 10 ** (1 + (i % 15))))
  for (const n of samples) {
    const end = writeDecimal(out, 1, n)
    assert.equal(out.toString('latin1', 1, end), String(n))
  }
})

test('WriteBatch: messages come out in order in one buffer, also when they outgrow a slab; take empties it', () => {
  const batch = new WriteBatch()
  const sent: Buffer[] = []
  const expected: Buffer[] = []
  for (let i = 0; i < 400; i++) {
    const message = Buffer.alloc(1 + ((i * 7919) % 3000), i % 251)
    const at = batch.reserve(message.length + 10) // more than it needs, as the encoders reserve
    batch.out.set(message, at)
    batch.commit(at + message.length)
    expected.push(message)
    if (i % 37 === 36) {
      assert.equal(batch.messages, 37)
      assert.equal(batch.bytes, Buffer.concat(expected.slice(-37)).length)
      sent.push(batch.take())
      assert.equal(batch.messages, 0)
      assert.equal(batch.bytes, 0)
    }
  }
  sent.push(batch.take())
  assert.deepEqual(Buffer.concat(sent), Buffer.concat(expected))
})

test('WriteBatch: bytes handed out are never written again (the socket may still hold them)', () => {
  const batch = new WriteBatch()
  const at = batch.reserve(5)
  batch.out.write('first', at, 'latin1')
  batch.commit(at + 5)
  const taken = batch.take()
  for (let i = 0; i < 100; i++) {
    const next = batch.reserve(1000)
    batch.out.fill(0x78, next, next + 1000)
    batch.commit(next + 1000)
  }
  assert.equal(taken.toString('latin1'), 'first')
})

test('WriteBatch: a message reserved but not committed is not sent', () => {
  const batch = new WriteBatch()
  let at = batch.reserve(3)
  batch.out.write('abc', at, 'latin1')
  batch.commit(at + 3)
  at = batch.reserve(3)
  batch.out.write('zzz', at, 'latin1') // e.g. an encoder that threw half-way
  at = batch.reserve(3)
  batch.out.write('def', at, 'latin1')
  batch.commit(at + 3)
  assert.equal(batch.take().toString('latin1'), 'abcdef')
})
