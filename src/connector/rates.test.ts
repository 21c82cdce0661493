import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Ratio } from '../money/index.js'
import { createStaticRates } from './rates.js'
import { createHttpRates } from './rates-http.js'

describe('static rates', () => {
  test('cross rates are exact ratios of the table entries', () => {
    const rates = createStaticRates({ USD: '1', EUR: '0.92', JPY: 150 }, 'USD')
    const usdEur = rates.rate('USD', 'EUR')
    assert.equal(usdEur.kind, 'ok')
    if (usdEur.kind === 'ok') assert.ok(usdEur.rate.equals(Ratio.from(23n, 25n)))
    const eurJpy = rates.rate('EUR', 'JPY')
    if (eurJpy.kind !== 'ok') return assert.fail('expected a rate')
    assert.ok(eurJpy.rate.equals(Ratio.from(15000n, 92n)))
    assert.equal(rates.rate('EUR', 'JPY'), eurJpy, 'memoised')
    assert.deepEqual(rates.snapshot().rates, { USD: '1/1', EUR: '23/25', JPY: '150/1' })
  })

  test('a missing code names the pair; same code needs no entry', () => {
    const rates = createStaticRates({ USD: '1' })
    const missing = rates.rate('USD', 'XRP')
    assert.equal(missing.kind, 'missing')
    if (missing.kind === 'missing') assert.match(missing.message, /USD→XRP/)
    const same = rates.rate('XRP', 'XRP')
    assert.ok(same.kind === 'ok' && same.rate.equals(Ratio.ONE))
  })

  test('refuses zero, negative and malformed rates', () => {
    assert.throws(() => createStaticRates({ USD: '0' }))
    assert.throws(() => createStaticRates({ USD: '-1' }))
    assert.throws(() => createStaticRates({ USD: 'abc' }))
  })
})

async function serve(handler: (res: import('node:http').ServerResponse) => void) {
  let hits = 0
  const server = createServer((_req, res) => {
    hits++
    handler(res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/rates`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

describe('HTTP rates', () => {
  test('loads the feed, keeps the last good table through failures, goes stale after maxAge', async (t) => {
    let status = 200
    let body = JSON.stringify({ base: 'USD', rates: { EUR: 0.92, JPY: '150.5' } })
    const server = await serve((res) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(body)
    })
    t.after(() => server.close())
    let clock = 1_000_000
    const rates = createHttpRates({ url: server.url, poll: false, maxAgeMs: 60_000, now: () => clock })
    t.after(() => rates.close())

    assert.equal(rates.rate('USD', 'EUR').kind, 'missing')
    assert.equal(await rates.refresh(), true)
    const usdEur = rates.rate('USD', 'EUR')
    assert.ok(usdEur.kind === 'ok' && usdEur.rate.equals(Ratio.fromDecimal('0.92')), 'base is implied as 1')
    const eurJpy = rates.rate('EUR', 'JPY')
    assert.ok(eurJpy.kind === 'ok' && eurJpy.rate.equals(Ratio.fromDecimal('150.5').div(Ratio.fromDecimal('0.92'))))

    status = 500
    clock += 30_000
    assert.equal(await rates.refresh(), false)
    assert.equal(rates.rate('USD', 'EUR').kind, 'ok', 'last good values kept')
    assert.match(rates.snapshot().lastError ?? '', /500/)
    assert.equal(rates.snapshot().ageMs, 30_000)

    clock += 30_001
    const stale = rates.rate('USD', 'EUR')
    assert.equal(stale.kind, 'stale')
    if (stale.kind === 'stale') assert.match(stale.message, /USD→EUR/)
    assert.equal(rates.rate('EUR', 'EUR').kind, 'ok', 'same asset never stale')
    assert.equal(rates.snapshot().stale, true)

    status = 200
    body = JSON.stringify({ base: 'USD', rates: { EUR: '0.5' } })
    assert.equal(await rates.refresh(), true)
    const fresh = rates.rate('USD', 'EUR')
    assert.ok(fresh.kind === 'ok' && fresh.rate.equals(Ratio.from(1n, 2n)))
  })

  test('a malformed feed is refused and does not replace the table', async (t) => {
    let body = JSON.stringify({ base: 'USD', rates: { EUR: '0.9' } })
    const server = await serve((res) => res.end(body))
    t.after(() => server.close())
    const rates = createHttpRates({ url: server.url, poll: false })
    t.after(() => rates.close())
    assert.equal(await rates.refresh(), true)
    for (const bad of ['not json', '{"rates": [1]}', '{"rates": {"EUR": "-1"}}', '{"rates": {"EUR": 0}}', '[]']) {
      body = bad
      assert.equal(await rates.refresh(), false, bad)
    }
    const kept = rates.rate('USD', 'EUR')
    assert.ok(kept.kind === 'ok' && kept.rate.equals(Ratio.fromDecimal('0.9')))
  })

  test('polls on its own until closed', async (t) => {
    const server = await serve((res) => res.end(JSON.stringify({ base: 'USD', rates: { EUR: 1 } })))
    t.after(() => server.close())
    const rates = createHttpRates({ url: server.url, pollIntervalMs: 10 })
    // Wait (bounded) for two polls: on a loaded machine the first connection can take a while.
    for (let waited = 0; server.hits() < 2 && waited < 5_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10))
    rates.close()
    const hits = server.hits()
    assert.ok(hits >= 2, `polled ${hits} times`)
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.ok(server.hits() <= hits + 1, 'no polling after close')
    assert.equal(rates.rate('USD', 'EUR').kind, 'ok')
  })
})
