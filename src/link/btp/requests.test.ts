import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RequestTable } from './requests.js'

interface Req {
  readonly requestId: number
  readonly n: number
}

test('ids in flight never collide, and a reply finds only its own request', () => {
  const table = new RequestTable<Req>(8, 0xffff_fffe) // wraps past 2^32 - 1
  const ids: number[] = []
  for (let n = 0; n < 8; n++) {
    const requestId = table.freeId()
    table.add({ requestId, n })
    ids.push(requestId)
  }
  assert.deepEqual(ids, [0xffff_fffe, 0xffff_ffff, 0, 1, 2, 3, 4, 5])
  assert.equal(table.size, 8)
  assert.throws(() => table.freeId(), RangeError, 'full')
  // An id with the same low bits as one in flight is someone else's: not found, nothing removed.
  assert.equal(table.take(ids[2]! + 8), undefined)
  assert.equal(table.take(ids[2]!)?.n, 2)
  assert.equal(table.take(ids[2]!), undefined, 'a duplicate reply finds nothing')
  assert.equal(table.size, 7)
  // The next id skips slots still in flight and lands on the one just freed.
  assert.equal(table.freeId() & 7, ids[2]! & 7)
})

test('entries lists what is in flight and survives taking while iterating', () => {
  const table = new RequestTable<Req>(100, 42)
  for (let n = 0; n < 50; n++) table.add({ requestId: table.freeId(), n })
  for (const entry of table.entries()) if (entry.n % 2 === 0) table.take(entry.requestId)
  assert.equal(table.size, 25)
  assert.deepEqual(table.entries().map((e) => e.n).sort((a, b) => a - b), [...Array(25).keys()].map((i) => 2 * i + 1))
})
