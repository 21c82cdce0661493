import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createTurnClock } from './turn-clock.js'

test('turn clock: one read of the source per synchronous run; read again after the microtask checkpoint', async () => {
  let t = 1000
  let reads = 0
  const now = createTurnClock(() => {
    reads++
    return t
  })
  assert.equal(now(), 1000)
  t = 1005
  assert.equal(now(), 1000, 'the same run sees one instant')
  assert.equal(reads, 1)
  await Promise.resolve()
  assert.equal(now(), 1005, 'a later microtask reads the clock again')
  await new Promise((resolve) => setImmediate(resolve))
  t = 2000
  assert.equal(now(), 2000, 'a later turn reads the clock again')
  assert.equal(reads, 3)
})
