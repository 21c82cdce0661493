import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { runLinkContract } from './link-contract.js'
import { createLoopbackLinkPair } from './loopback.js'
import { LinkError } from './types.js'
import { RAW, isFulfill } from '../ilp/types.js'
import { fulfillWith, newSecret, testPrepare } from '../connector/testing.js'

runLinkContract('loopback', async () => {
  const [a, b] = createLoopbackLinkPair()
  return { a, b, close: () => a.close() }
})

runLinkContract('loopback (objects, 1 ms latency)', async () => {
  const [a, b] = createLoopbackLinkPair({ wire: false, latencyMs: 1 })
  return { a, b, close: () => a.close() }
})

describe('loopback faults', () => {
  test('packets cross as bytes by default (RAW present on both sides)', async () => {
    const [a, b] = createLoopbackLinkPair()
    const secret = newSecret()
    let seenRaw = false
    b.handle(async (p) => {
      seenRaw = p[RAW] !== undefined
      return fulfillWith(secret)
    })
    const reply = await a.send(testPrepare({ destination: 'test.x' }, secret))
    assert.ok(seenRaw)
    assert.ok(isFulfill(reply) && reply[RAW] !== undefined)
    await a.close()
  })

  test('disconnected: LINK_DOWN; reconnected: delivers', async () => {
    const [a, b] = createLoopbackLinkPair()
    const secret = newSecret()
    b.handle(async () => fulfillWith(secret))
    a.setConnected(false)
    assert.equal(a.connected, false)
    await assert.rejects(a.send(testPrepare({ destination: 'test.x' })), (e: unknown) => e instanceof LinkError && e.code === 'LINK_DOWN')
    a.setConnected(true)
    assert.ok(isFulfill(await a.send(testPrepare({ destination: 'test.x' }, secret))))
    await a.close()
  })

  test('fail, drop, delay and duplicate faults', async () => {
    const [a, b] = createLoopbackLinkPair()
    const secret = newSecret()
    let handled = 0
    b.handle(async () => {
      handled++
      return fulfillWith(secret)
    })
    a.setFault(() => ({ kind: 'fail', code: 'LINK_OVERLOADED' }))
    await assert.rejects(a.send(testPrepare({ destination: 'test.x' })), (e: unknown) => e instanceof LinkError && e.code === 'LINK_OVERLOADED')

    a.setFault(() => ({ kind: 'duplicate' }))
    assert.ok(isFulfill(await a.send(testPrepare({ destination: 'test.x' }, secret))))
    assert.equal(handled, 2, 'the peer saw the Prepare twice')

    a.setFault(() => ({ kind: 'delay-reply', ms: 30 }))
    const started = Date.now()
    await a.send(testPrepare({ destination: 'test.x' }, secret))
    assert.ok(Date.now() - started >= 25)

    a.setFault(() => ({ kind: 'drop' }))
    const dropped = a.send(testPrepare({ destination: 'test.x' }, secret))
    await new Promise((resolve) => setTimeout(resolve, 20))
    assert.equal(a.inFlight, 1)
    await a.close()
    await assert.rejects(dropped, (e: unknown) => e instanceof LinkError && e.code === 'LINK_CLOSED')
    assert.equal(a.inFlight, 0)
  })
})
