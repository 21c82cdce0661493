import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import Fastify from 'fastify'
import { paymentsAdminPlugin, parsePaymentBody, PaymentRequestError, type PaymentsBackend, type ReceiverView, type PaymentRequest } from './payments-api.js'
import type { PaymentResult } from './payment-json.js'
import { formatRatio } from './payment-json.js'

const alice: ReceiverView = { accountId: 'alice', assetCode: 'USD', assetScale: 2, spspUrl: 'http://127.0.0.1:1/alice', amountReceived: 12n, connections: 1, isDefault: true }

function fakeBackend(calls: PaymentRequest[]): PaymentsBackend {
  return {
    receivers: () => [alice],
    receiver: (id) => (id === 'alice' ? alice : undefined),
    check(request) {
      if (request.from !== 'alice') throw new PaymentRequestError(404, `no local account "${request.from}"`)
    },
    async pay(request) {
      calls.push(request)
      if (request.from !== 'alice') throw new PaymentRequestError(404, `no local account "${request.from}"`)
      for (let i = 1n; i <= 3n; i++) {
        request.onProgress?.({ amountSent: i, amountDelivered: i * 2n, amountInFlight: 0n, packetsFulfilled: Number(i), packetsRejected: 0, exchangeRate: { num: 2n, den: 1n } })
        await new Promise((r) => setTimeout(r, 120))
      }
      const result: PaymentResult = {
        status: 'completed', target: { kind: 'source', amount: request.amount }, sourceAccount: request.from, destination: request.destination,
        destinationAccount: 'test.x.bob.tok', amountSent: request.amount, amountDelivered: request.amount * 2n, amountInFlight: 0n,
        packetsFulfilled: 3, packetsRejected: 1, rejectsByCode: { T04: 1 }, exchangeRate: { num: 2n, den: 1n }, durationMs: 360,
      }
      return result
    },
  }
}

async function app(t: { after: (fn: () => Promise<void>) => void }, calls: PaymentRequest[] = []) {
  const server = Fastify()
  t.after(() => server.close())
  await server.register(paymentsAdminPlugin, { backend: fakeBackend(calls) })
  return server
}

describe('payments admin routes', () => {
  test('POST without NDJSON returns the result document', async (t) => {
    const calls: PaymentRequest[] = []
    const server = await app(t, calls)
    const res = await server.inject({ method: 'POST', url: '/accounts/alice/payments', payload: { destination: '$example.com/bob', amount: '3' } })
    assert.equal(res.statusCode, 200)
    const body = res.json()
    assert.equal(body.status, 'completed')
    assert.equal(body.amount_sent, '3')
    assert.equal(body.amount_delivered, '6')
    assert.equal(body.exchange_rate, '2')
    assert.deepEqual(body.rejects_by_code, { T04: 1 })
    assert.equal(calls[0]!.amount, 3n)
    assert.equal(calls[0]!.fixedDelivery, false)
  })

  test('POST with Accept: application/x-ndjson streams progress then the result', async (t) => {
    const server = await app(t)
    const res = await server.inject({ method: 'POST', url: '/accounts/alice/payments', headers: { accept: 'application/x-ndjson' }, payload: { destination: '$example.com/bob', amount: 3, fixed_delivery: true } })
    assert.equal(res.statusCode, 200)
    assert.match(res.headers['content-type'] as string, /application\/x-ndjson/)
    const lines = res.body.trim().split('\n').map((l) => JSON.parse(l))
    assert.ok(lines.length >= 2)
    assert.equal(lines.at(-1).event, 'result')
    assert.ok(lines.slice(0, -1).every((l) => l.event === 'progress'))
    assert.equal(lines[0].amount_sent, '1')
  })

  test('bad bodies are 400 naming the field; unknown accounts 404', async (t) => {
    const server = await app(t)
    const bad = [{ amount: '1' }, { destination: '$a.b', amount: '0' }, { destination: '$a.b', amount: '1.5' }, { destination: '$a.b', amount: '1', fixed_delivery: 'yes' }, { destination: '$a.b', amount: '1', extra: 1 }]
    for (const payload of bad) {
      const res = await server.inject({ method: 'POST', url: '/accounts/alice/payments', payload })
      assert.equal(res.statusCode, 400, JSON.stringify(payload))
    }
    assert.equal((await server.inject({ method: 'POST', url: '/accounts/zed/payments', headers: { accept: 'application/x-ndjson' }, payload: { destination: '$a.b', amount: '1' } })).statusCode, 404)
    assert.equal((await server.inject({ method: 'POST', url: '/accounts/zed/payments', payload: { destination: '$a.b', amount: '1' } })).statusCode, 404)
  })

  test('GET /receivers and /receivers/:id', async (t) => {
    const server = await app(t)
    const list = (await server.inject({ method: 'GET', url: '/receivers' })).json()
    assert.deepEqual(list, [{ account: 'alice', asset_code: 'USD', asset_scale: 2, spsp_url: 'http://127.0.0.1:1/alice', amount_received: '12', connections: 1, default: true }])
    assert.equal((await server.inject({ method: 'GET', url: '/receivers/alice' })).json().amount_received, '12')
    assert.equal((await server.inject({ method: 'GET', url: '/receivers/bob' })).statusCode, 404)
  })
})

test('parsePaymentBody accepts safe integers and decimal strings up to u64', () => {
  assert.equal(parsePaymentBody({ destination: '$a.b', amount: '18446744073709551615' }).amount, 18446744073709551615n)
  assert.equal(parsePaymentBody({ destination: '$a.b', amount: 5 }).amount, 5n)
  assert.throws(() => parsePaymentBody({ destination: '$a.b', amount: '18446744073709551616' }), PaymentRequestError)
  assert.throws(() => parsePaymentBody({ destination: '$a.b', amount: 2 ** 60 }), PaymentRequestError)
})

test('formatRatio rounds down and trims', () => {
  assert.equal(formatRatio(1n, 3n), '0.333333333')
  assert.equal(formatRatio(92n, 100n), '0.92')
  assert.equal(formatRatio(5n, 1n), '5')
  assert.equal(formatRatio(2n, 3n, 2), '0.66')
  assert.equal(formatRatio(1n, 0n), 'n/a')
})
