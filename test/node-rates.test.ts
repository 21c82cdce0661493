import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createNode } from '../src/node/node.js'
import { admin, testConfig } from './node-harness.js'

test('rates from rates_url: age and staleness in /health, /rates and /metrics; PUT /rates refused', async (t) => {
  let requests = 0
  const feed = createServer((_req, res) => {
    requests++
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ base: 'USD', rates: { EUR: '0.5', JPY: 150 } }))
  })
  await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => {
    feed.closeAllConnections()
    feed.close(() => resolve())
  }))
  const { port } = feed.address() as AddressInfo

  let offsetMs = 0
  const node = createNode(testConfig({ rates_url: `http://127.0.0.1:${port}/rates`, rates_max_age_ms: 5_000 }), { now: () => Date.now() + offsetMs })
  await node.start()
  t.after(() => node.stop())
  const api = admin(node.adminUrl!)

  // The first fetch starts with the node; wait for it.
  for (let i = 0; i < 100 && (await api('GET', '/rates')).body.rates.EUR === undefined; i++) await new Promise((r) => setTimeout(r, 20))
  const rates = await api('GET', '/rates')
  assert.equal(rates.body.source, 'http')
  assert.equal(rates.body.base, 'USD')
  assert.equal(rates.body.rates.EUR, '1/2', 'a feed table is shown as exact ratios')
  assert.equal(rates.body.stale, false)
  assert.ok(requests >= 1)
  assert.equal((await api('GET', '/health')).body.status, 'ok')

  offsetMs = 6_000
  const health = await api('GET', '/health')
  assert.equal(health.body.status, 'degraded')
  assert.equal(health.body.rates.stale, true)
  assert.ok(health.body.rates.age_ms >= 6_000)
  const metrics = (await api('GET', '/metrics')).body as string
  assert.match(metrics, /^ilp_rates_stale 1$/m)
  assert.match(metrics, /^ilp_rates_age_seconds (\d+(\.\d+)?)$/m)

  const put = await api('PUT', '/rates', { EUR: '1' })
  assert.equal(put.status, 400)
  assert.equal(put.body.code, 'RATES_INVALID')
  assert.match(put.body.detail, /rates_url/)
})
