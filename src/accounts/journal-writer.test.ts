import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseBatch, serializeBatch, type WriteBatch } from './journal-writer.js'

test('a batch survives the trip to the writer thread exactly', () => {
  const batch: WriteBatch = {
    entries: [
      { seq: 1n, atMs: 1_700_000_000_123, kind: 'transfer', legs: '[["a","-18446744073709551615"],["b","5"]]', memo: 'tab\there "quoted"\n' },
      { seq: 9_007_199_254_740_993n, atMs: 0, kind: 'settlement', legs: '[["b","-5"]]', memo: null },
    ],
    balances: [
      ['a', '-18446744073709551615', 1n],
      ['b', '0', 9_007_199_254_740_993n],
    ],
  }
  assert.deepEqual(parseBatch(serializeBatch(batch)), batch)
})
