import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'
import { querySpsp, parseMaxAge } from './client.js'
import { listenSpsp } from './http.js'
import { isSpspError } from './errors.js'

const secret = new Uint8Array(32).fill(9)

async function rawServer(t: { after: (fn: () => Promise<void>) => void }, listener: RequestListener): Promise<string> {
  const server = createServer(listener)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('querySpsp against our server', () => {
  test('gets credentials, receipts and a fresh secret per query', async (t) => {
    let n = 0
    const spsp = await listenSpsp({
      generateCredentials: (id, { receipt }) => (id === 'alice' ? { destinationAccount: `test.n.alice.${++n}`, sharedSecret: secret, receiptsEnabled: receipt !== undefined } : undefined),
      cacheMaxAgeSeconds: 30,
    })
    t.after(() => spsp.close())
    const first = await querySpsp(`${spsp.url}/alice`)
    assert.equal(first.destinationAccount, 'test.n.alice.1')
    assert.deepEqual(first.sharedSecret, secret)
    assert.equal(first.receiptsEnabled, false)
    assert.equal(first.maxAgeSeconds, 30)
    assert.equal(first.endpoint.href, `${spsp.url}/alice`)
    const second = await querySpsp(`${spsp.url}/alice`, { receipt: { nonce: new Uint8Array(16), secret: new Uint8Array(32) } })
    assert.equal(second.destinationAccount, 'test.n.alice.2')
    assert.equal(second.receiptsEnabled, true)
    await assert.rejects(querySpsp(`${spsp.url}/bob`), (e) => isSpspError(e) && e.code === 'SPSP_RECEIVER_NOT_FOUND' && e.status === 404 && /Invalid receiver ID/.test(e.message))
  })
})

describe('querySpsp against odd servers', () => {
  test('follows a bounded number of redirects and reports both endpoints', async (t) => {
    const base = await rawServer(t, (req, res) => {
      if (req.url === '/loop') return res.writeHead(302, { location: '/loop' }).end()
      if (req.url === '/old') return res.writeHead(301, { location: '/new' }).end()
      assert.equal(req.headers.accept, 'application/spsp4+json, application/spsp+json')
      res.writeHead(200, { 'content-type': 'application/spsp4+json; charset=utf-8' })
      res.end(JSON.stringify({ destination_account: 'test.x.y', shared_secret: Buffer.from(secret).toString('base64url'), extra: { ignored: true } }))
    })
    const answer = await querySpsp(`${base}/old`)
    assert.equal(answer.endpoint.pathname, '/old')
    assert.equal(answer.finalEndpoint.pathname, '/new')
    assert.deepEqual(answer.sharedSecret, secret)
    assert.equal(answer.maxAgeSeconds, undefined)
    await assert.rejects(querySpsp(`${base}/loop`), (e) => isSpspError(e) && e.code === 'SPSP_HTTP_STATUS')
  })

  test('refuses a redirect to plain http on another host', async (t) => {
    const base = await rawServer(t, (_req, res) => res.writeHead(302, { location: 'http://example.com/x' }).end())
    await assert.rejects(querySpsp(`${base}/a`), (e) => isSpspError(e) && e.code === 'SPSP_INSECURE_URL')
  })

  test('invalid bodies are SPSP_INVALID_RESPONSE', async (t) => {
    const bodies: Record<string, [string, string]> = {
      '/type': ['text/html', '{}'],
      '/json': ['application/spsp4+json', '{nope'],
      '/addr': ['application/spsp4+json', JSON.stringify({ destination_account: 'not an address', shared_secret: Buffer.from(secret).toString('base64') })],
      '/short': ['application/spsp4+json', JSON.stringify({ destination_account: 'test.a', shared_secret: 'AAAA' })],
      '/none': ['application/spsp4+json', JSON.stringify({ destination_account: 'test.a' })],
      '/big': ['application/spsp4+json', `{"x":"${'a'.repeat(100_000)}"}`],
    }
    const base = await rawServer(t, (req, res) => {
      const [type, body] = bodies[req.url!]!
      res.writeHead(200, { 'content-type': type }).end(body)
    })
    for (const path of Object.keys(bodies)) {
      await assert.rejects(querySpsp(`${base}${path}`), (e) => isSpspError(e) && e.code === 'SPSP_INVALID_RESPONSE', path)
    }
  })

  test('server errors, refused connections and timeouts', async (t) => {
    const base = await rawServer(t, (req, res) => {
      if (req.url === '/slow') return // never answers; the client times out
      res.writeHead(503).end('down')
    })
    await assert.rejects(querySpsp(`${base}/x`), (e) => isSpspError(e) && e.code === 'SPSP_HTTP_STATUS' && e.status === 503)
    await assert.rejects(querySpsp(`${base}/slow`, { timeoutMs: 100 }), (e) => isSpspError(e) && e.code === 'SPSP_QUERY_FAILED')
    await assert.rejects(querySpsp('http://127.0.0.1:1/x'), (e) => isSpspError(e) && e.code === 'SPSP_QUERY_FAILED')
  })
})

test('parseMaxAge', () => {
  assert.equal(parseMaxAge('max-age=60'), 60)
  assert.equal(parseMaxAge('private, max-age=5'), 5)
  assert.equal(parseMaxAge('max-age=0'), undefined)
  assert.equal(parseMaxAge('no-cache, max-age=5'), undefined)
  assert.equal(parseMaxAge(undefined), undefined)
})
