import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { createReplyDeadlines } from './reply-deadlines.js'

const TIMED_OUT = 'timed out'

describe('createReplyDeadlines', () => {
  test('a reply before the deadline wins; nothing stays waiting', async () => {
    const d = createReplyDeadlines()
    const answers = await Promise.all([1, 2, 3].map((n) => d.race(Promise.resolve(n), 1_000, () => 0, () => -1)))
    assert.deepEqual(answers, [1, 2, 3])
    assert.equal(d.size, 0)
  })

  test('a reply that never comes times out; one that comes later is dropped', async () => {
    const d = createReplyDeadlines()
    let late: (v: string) => void = () => undefined
    const never = d.race(new Promise<string>(() => undefined), 20, () => TIMED_OUT, String)
    const slow = d.race(new Promise<string>((r) => (late = r)), 30, () => TIMED_OUT, String)
    const fast = d.race(Promise.resolve('fast'), 40, () => TIMED_OUT, String)
    assert.equal(await fast, 'fast')
    assert.equal(await never, TIMED_OUT)
    assert.equal(await slow, TIMED_OUT)
    late('too late')
    assert.equal(d.size, 0)
  })

  test('a failed send resolves to failed(error)', async () => {
    const d = createReplyDeadlines()
    assert.equal(await d.race(Promise.reject(new Error('link down')), 1_000, () => TIMED_OUT, (e) => `failed: ${(e as Error).message}`), 'failed: link down')
    assert.equal(d.size, 0)
  })

  test('an earlier deadline added after a later one still fires on time', async () => {
    const d = createReplyDeadlines()
    const startMs = performance.now()
    let answer: (v: string) => void = () => undefined
    const later = d.race(new Promise<string>((r) => (answer = r)), 5_000, () => TIMED_OUT, String)
    assert.equal(await d.race(new Promise<string>(() => undefined), 20, () => TIMED_OUT, String), TIMED_OUT)
    assert.ok(performance.now() - startMs < 1_000)
    assert.equal(d.size, 1)
    answer('answered')
    assert.equal(await later, 'answered')
    assert.equal(d.size, 0) // and its timer is gone: the test ends at once
  })
})
