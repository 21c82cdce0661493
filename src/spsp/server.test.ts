import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'
import { createSpspResponder, acceptsSpsp, type GenerateCredentials } from './server.js'
import { spspFastifyPlugin } from './http.js'

const secret = new Uint8Array(32).fill(7)
const generate: GenerateCredentials = (accountId, { receipt }) =>
  accountId === 'alice' || accountId === 'bob b'
    ? { destinationAccount: `test.node.${accountId.replace(' ', '_')}.abc`, sharedSecret: secret, receiptsEnabled: receipt !== undefined }
    : undefined

const get = (url: string, headers: Record<string, string> = { accept: 'application/spsp4+json' }) => ({ method: 'GET', url, headers })

describe('createSpspResponder', () => {
  const respond = createSpspResponder({ generateCredentials: generate, defaultAccount: 'alice' })

  test('answers GET /<account> with the RFC 9 body and headers', async () => {
    const answer = await respond(get('/alice'))
    assert.ok(answer)
    assert.equal(answer.status, 200)
    assert.equal(answer.headers['content-type'], 'application/spsp4+json')
    assert.equal(answer.headers['cache-control'], 'no-cache, no-store')
    assert.equal(answer.headers['access-control-allow-origin'], '*')
    assert.equal(answer.headers['access-control-allow-headers'], 'web-monetization-id')
    assert.deepEqual(JSON.parse(answer.body), { destination_account: 'test.node.alice.abc', shared_secret: Buffer.from(secret).toString('base64') })
  })

  test('serves the default account at /.well-known/pay and decodes ids', async () => {
    assert.equal(JSON.parse((await respond(get('/.well-known/pay')))!.body).destination_account, 'test.node.alice.abc')
    assert.equal(JSON.parse((await respond(get('/bob%20b')))!.body).destination_account, 'test.node.bob_b.abc')
  })

  test('unknown accounts are 404 InvalidReceiverError', async () => {
    const answer = await respond(get('/carol'))
    assert.equal(answer?.status, 404)
    assert.deepEqual(JSON.parse(answer!.body), { id: 'InvalidReceiverError', message: 'Invalid receiver ID' })
    const noDefault = createSpspResponder({ generateCredentials: generate })
    assert.equal((await noDefault(get('/.well-known/pay')))?.status, 404)
  })

  test('query strings are 400, wrong Accept 406, other methods 405, deep paths not ours', async () => {
    assert.equal((await respond(get('/alice?amount=1')))?.status, 400)
    assert.equal((await respond(get('/alice', { accept: 'text/html' })))?.status, 406)
    assert.equal((await respond({ method: 'POST', url: '/alice', headers: {} }))?.status, 405)
    assert.equal(await respond(get('/alice/more')), undefined)
    assert.equal(await respond(get('/')), undefined)
  })

  test('OPTIONS is a CORS preflight; HEAD has headers and no body', async () => {
    const pre = await respond({ method: 'OPTIONS', url: '/alice', headers: {} })
    assert.equal(pre?.status, 204)
    assert.equal(pre?.headers['access-control-allow-headers'], 'web-monetization-id')
    const head = await respond({ method: 'HEAD', url: '/alice', headers: {} })
    assert.equal(head?.status, 200)
    assert.equal(head?.body, '')
  })

  test('receipt headers reach the generator and enable receipts_enabled', async () => {
    const nonce = randomBytes(16).toString('base64')
    const receiptSecret = randomBytes(32).toString('base64')
    const answer = await respond(get('/alice', { accept: 'application/spsp4+json', 'receipt-nonce': nonce, 'receipt-secret': receiptSecret }))
    assert.equal(JSON.parse(answer!.body).receipts_enabled, true)
    assert.equal((await respond(get('/alice', { 'receipt-nonce': nonce })))?.status, 400)
    assert.equal((await respond(get('/alice', { 'receipt-nonce': 'AAAA', 'receipt-secret': receiptSecret })))?.status, 400)
  })

  test('cacheMaxAgeSeconds gives a private max-age', async () => {
    const cached = createSpspResponder({ generateCredentials: generate, cacheMaxAgeSeconds: 60 })
    assert.equal((await cached(get('/alice')))?.headers['cache-control'], 'private, max-age=60')
  })

  test('a generator that returns a bad secret is a bug, not a response', async () => {
    const broken = createSpspResponder({ generateCredentials: () => ({ destinationAccount: 'test.x', sharedSecret: new Uint8Array(5) }) })
    await assert.rejects(broken(get('/x')), /32 bytes/)
  })
})

test('acceptsSpsp', () => {
  assert.ok(acceptsSpsp(undefined))
  assert.ok(acceptsSpsp('application/spsp4+json, application/spsp+json'))
  assert.ok(acceptsSpsp('application/ilp-stream+json, application/spsp4+json'))
  assert.ok(acceptsSpsp('text/html, */*;q=0.8'))
  assert.equal(acceptsSpsp('text/html'), false)
  assert.equal(acceptsSpsp('application/spsp4+json;q=0'), false)
})

test('the fastify plugin serves the same answers', async (t) => {
  const app = Fastify()
  t.after(() => app.close())
  app.get('/health', async () => ({ ok: true }))
  await app.register(spspFastifyPlugin, { generateCredentials: generate, defaultAccount: 'alice' })
  const ok = await app.inject({ method: 'GET', url: '/alice', headers: { accept: 'application/spsp4+json' } })
  assert.equal(ok.statusCode, 200)
  assert.equal(ok.headers['content-type'], 'application/spsp4+json')
  assert.equal(ok.json().destination_account, 'test.node.alice.abc')
  assert.equal((await app.inject({ method: 'GET', url: '/.well-known/pay' })).json().destination_account, 'test.node.alice.abc')
  assert.equal((await app.inject({ method: 'GET', url: '/nobody' })).statusCode, 404)
  assert.equal((await app.inject({ method: 'OPTIONS', url: '/alice' })).statusCode, 204)
  assert.equal((await app.inject({ method: 'HEAD', url: '/alice' })).statusCode, 200)
  assert.deepEqual((await app.inject({ method: 'GET', url: '/health' })).json(), { ok: true })
})
