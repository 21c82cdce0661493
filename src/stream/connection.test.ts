import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { SequenceWindow } from './connection.js'
import { SEQUENCE_WINDOW_MAX } from './limits.js'

describe('SequenceWindow (replay detection)', () => {
  test('in order: each sequence is seen once, later ones are not', () => {
    const w = new SequenceWindow()
    for (let s = 0n; s < 1_000n; s++) {
      assert.equal(w.has(s), false)
      w.add(s)
      assert.equal(w.has(s), true)
    }
    assert.equal(w.has(500n), true)
    assert.equal(w.has(1_000n), false)
  })

  test('out of order and repeated: a gap stays unseen until it arrives, then the low mark catches up', () => {
    const w = new SequenceWindow()
    for (const s of [1n, 0n, 4n, 3n, 3n, 7n]) w.add(s)
    for (const s of [0n, 1n, 3n, 4n, 7n]) assert.equal(w.has(s), true, `sequence ${s}`)
    for (const s of [2n, 5n, 6n, 8n]) assert.equal(w.has(s), false, `sequence ${s}`)
    w.add(2n) // fills the gap: 0..4 contiguous now
    w.add(5n)
    w.add(6n) // in-order step that must also absorb 7
    for (let s = 0n; s <= 7n; s++) assert.equal(w.has(s), true, `sequence ${s}`)
    assert.equal(w.has(8n), false)
  })

  test('past SEQUENCE_WINDOW_MAX gaps, the oldest fold into "seen" (refusing a late packet is safe)', () => {
    const w = new SequenceWindow()
    const count = BigInt(SEQUENCE_WINDOW_MAX + 10)
    for (let i = 1n; i <= count; i++) w.add(2n * i) // only even sequences: 0 and every odd one missing
    assert.equal(w.has(1n), true) // folded below the low mark
    assert.equal(w.has(2n * count - 1n), false) // a recent gap is still open
    assert.equal(w.has(2n * count), true)
  })
})
