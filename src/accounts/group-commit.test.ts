import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createGroupCommit } from './group-commit.js'

test('items enqueued in one tick share one write, split at batchMax', async () => {
  const writes: number[][] = []
  const group = createGroupCommit<number>({ batchMax: 4, write: (batch) => void writes.push([...batch]) })
  const done = Promise.all(Array.from({ length: 10 }, (_, i) => group.enqueue(i)))
  assert.equal(writes.length, 0) // nothing is written synchronously
  assert.equal(group.queued(), 10)
  await done
  assert.deepEqual(writes, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
  await group.drain()
  assert.equal(group.queued(), 0)
})

test('a promise resolves only after its batch was written', async () => {
  let written = 0
  const group = createGroupCommit<string>({ batchMax: 100, write: (batch) => void (written += batch.length) })
  await group.enqueue('a')
  assert.equal(written, 1)
  const later = group.enqueue('b')
  await group.drain()
  assert.equal(written, 2)
  await later
})

test('a failed write rejects the batch, the queue and every later enqueue', async () => {
  let calls = 0
  const group = createGroupCommit<number>({
    batchMax: 2,
    write: () => {
      calls++
      throw new Error('disk full')
    },
  })
  const results = await Promise.allSettled([group.enqueue(1), group.enqueue(2), group.enqueue(3)])
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected'])
  assert.equal(calls, 1)
  await assert.rejects(group.enqueue(4), { code: 'LEDGER_WRITE_FAILED' })
  await assert.rejects(group.drain(), { code: 'LEDGER_WRITE_FAILED' })
  assert.throws(() => createGroupCommit({ batchMax: 0, write: () => undefined }), RangeError)
})

test('an asynchronous writer has one batch in flight while the next one fills', async () => {
  const writes: number[][] = []
  let finish: (() => void) | undefined
  const group = createGroupCommit<number>({
    batchMax: 100,
    write: (batch) => {
      writes.push([...batch])
      return new Promise<void>((resolve) => (finish = resolve))
    },
  })
  const first = group.enqueue(1)
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(writes, [[1]])
  const later = [group.enqueue(2), group.enqueue(3)]
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(writes, [[1]], 'no second write while the first is in flight')
  assert.equal(group.queued(), 2)
  finish?.()
  await first
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(writes, [[1], [2, 3]])
  finish?.()
  await Promise.all(later)
  await group.drain()
})

test('a rejected asynchronous write fails its batch and the queue', async () => {
  const group = createGroupCommit<number>({ batchMax: 10, write: async () => Promise.reject(new Error('worker died')) })
  const results = await Promise.allSettled([group.enqueue(1), group.enqueue(2)])
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected'])
  await assert.rejects(group.enqueue(3), { code: 'LEDGER_WRITE_FAILED' })
})
