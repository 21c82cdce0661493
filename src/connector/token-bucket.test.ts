import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createTokenBucket } from './token-bucket.js'

describe('token bucket', () => {
  test('starts full, refuses past capacity, takes nothing on refusal', () => {
    const bucket = createTokenBucket(3n, 0)
    assert.equal(bucket.take(2n, 0), true)
    assert.equal(bucket.take(2n, 0), false)
    assert.equal(bucket.available(0), 1n)
    assert.equal(bucket.take(1n, 0), true)
    assert.equal(bucket.take(1n, 0), false)
  })

  test('refills exactly, with no fraction lost between small steps', () => {
    const bucket = createTokenBucket(60n, 0) // one token per second
    assert.equal(bucket.take(60n, 0), true)
    for (let t = 1; t <= 999; t++) assert.equal(bucket.take(1n, t), false, `at ${t} ms`)
    assert.equal(bucket.take(1n, 1000), true)
    assert.equal(bucket.available(1000), 0n)
  })

  test('never holds more than one minute of tokens', () => {
    const bucket = createTokenBucket(10n, 0)
    assert.equal(bucket.available(10 * 60_000), 10n)
  })

  test('a clock stepping back refills nothing', () => {
    const bucket = createTokenBucket(60n, 10_000)
    assert.equal(bucket.take(60n, 10_000), true)
    assert.equal(bucket.take(1n, 5_000), false)
    assert.equal(bucket.take(1n, 6_000), true)
  })

  test('large bigint amounts are exact', () => {
    const perMinute = 18_446_744_073_709_551_615n
    const bucket = createTokenBucket(perMinute, 0)
    assert.equal(bucket.take(perMinute, 0), true)
    assert.equal(bucket.take(1n, 0), false)
    assert.equal(bucket.available(30_000), perMinute / 2n)
  })
})
