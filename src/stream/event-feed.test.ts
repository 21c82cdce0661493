import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEventFeed, FeedOverflowError } from './event-feed.js'

test('events fan out to every subscriber in order; close ends them', async () => {
  const feed = createEventFeed<number>(10)
  const a = feed.subscribe()
  const b = feed.subscribe()
  feed.push(1)
  feed.push(2)
  feed.close()
  const seen: number[] = []
  for await (const e of a) seen.push(e)
  for await (const e of b) seen.push(e)
  assert.deepEqual(seen, [1, 2, 1, 2])
})

test('a subscriber that falls behind is ended with an overflow error; abort unsubscribes', async () => {
  const feed = createEventFeed<number>(2)
  const slow = feed.subscribe()
  const controller = new AbortController()
  const aborted = feed.subscribe(controller.signal)
  controller.abort()
  for (const n of [1, 2, 3]) feed.push(n)
  await assert.rejects(async () => {
    for await (const _ of slow) {
      // drains nothing: it was ended at the third push
    }
  }, FeedOverflowError)
  assert.deepEqual(await aborted.next(), { value: undefined, done: true })
})
