import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import { checkCallbackAnswers, runLinkContract, contractPrepare, echoFulfill } from '../link-contract.js'
import { createTokenAuthenticator } from '../tokens.js'
import { LinkError } from '../types.js'
import { isReject, packetBytes } from '../../ilp/index.js'
import { createHttpLink } from './link.js'
import { createHttpLinkServer, type HttpLinkServer } from './server.js'

const TOKEN_A = 'token-of-a-at-b-0123456789abcdef0123456789abcdef'
const TOKEN_B = 'token-of-b-at-a-0123456789abcdef0123456789abcdef'

/** Node A and node B, each with an HTTP listener, peered with each other (A knows B as account "b"). */
async function pair(mode: 'sync' | 'async', pipelining = 1, http2 = false) {
  const serverA = await createHttpLinkServer({ listen: { port: 0 }, authenticate: createTokenAuthenticator([{ accountId: 'b', token: TOKEN_B }]) })
  const serverB = await createHttpLinkServer({ listen: { port: 0 }, authenticate: createTokenAuthenticator([{ accountId: 'a', token: TOKEN_A }]) })
  const a = createHttpLink({ accountId: 'b', url: `${serverB.url}/accounts/a/ilp`, outgoingToken: TOKEN_A, server: serverA, mode, pipelining, http2 })
  const b = createHttpLink({ accountId: 'a', url: `${serverA.url}/ilp`, outgoingToken: TOKEN_B, server: serverB, mode, pipelining, http2 })
  return {
    a,
    b,
    serverA,
    serverB,
    async close() {
      await Promise.all([a.close(), b.close()])
      await Promise.all([serverA.close(), serverB.close()])
    },
  }
}

runLinkContract('ILP over HTTP (sync)', () => pair('sync'))
runLinkContract('ILP over HTTP (async, RFC 35 draft 3)', () => pair('async'))
runLinkContract('ILP over HTTP (sync, pipelined)', () => pair('sync', 8))
runLinkContract('ILP over HTTP/2 (sync, prior knowledge)', () => pair('sync', 1, true))

async function post(server: HttpLinkServer, path: string, body: Uint8Array | string, headers: Record<string, string>) {
  const res = await request(server.url + path, { method: 'POST', body, headers })
  return { status: res.statusCode, text: await res.body.text() }
}

test('HTTP server: refuses wrong tokens, bad paths, bad content types and bodies that are not ILP', async (t) => {
  const p = await pair('sync')
  t.after(() => p.close())
  p.b.handle(async (prepare) => echoFulfill(prepare))
  const prepare = packetBytes(contractPrepare())
  const octets = { 'content-type': 'application/octet-stream' }
  assert.equal((await post(p.serverB, '/ilp', prepare, { ...octets, authorization: 'Bearer wrong' })).status, 401)
  assert.equal((await post(p.serverB, '/accounts/a/ilp', prepare, octets)).status, 401)
  // A valid token for another path's account is refused too.
  assert.equal((await post(p.serverB, '/accounts/zz/ilp', prepare, { ...octets, authorization: `Bearer ${TOKEN_A}` })).status, 401)
  assert.equal((await post(p.serverB, '/nope', prepare, { ...octets, authorization: `Bearer ${TOKEN_A}` })).status, 404)
  assert.equal((await post(p.serverB, '/accounts/%E0%A4%A/ilp', prepare, { ...octets, authorization: `Bearer ${TOKEN_A}` })).status, 400)
  assert.equal((await post(p.serverB, '/ilp', prepare, { 'content-type': 'text/plain', authorization: `Bearer ${TOKEN_A}` })).status, 415)
  assert.equal((await post(p.serverB, '/ilp', 'not a packet', { ...octets, authorization: `Bearer ${TOKEN_A}` })).status, 400)
  assert.equal((await post(p.serverB, '/ilp', new Uint8Array(100_000), { ...octets, authorization: `Bearer ${TOKEN_A}` })).status, 413)
  const ok = await post(p.serverB, '/ilp', prepare, { 'content-type': 'application/ilp+octet-stream', authorization: `Bearer ${TOKEN_A}` })
  assert.equal(ok.status, 200, 'ilp-plugin-http content type is accepted')
  // The server still serves the real link afterwards.
  const reply = await p.a.send(contractPrepare())
  assert.equal(reply.type, 13)
})

test('HTTP link: 401 from the peer becomes an F00 Reject with our address', async (t) => {
  const p = await pair('sync')
  t.after(() => p.close())
  const bad = createHttpLink({ accountId: 'x', url: `${p.serverB.url}/ilp`, outgoingToken: 'wrong', address: () => 'test.me' })
  t.after(() => bad.close())
  const reply = await bad.send(contractPrepare())
  assert.ok(isReject(reply))
  assert.equal(reply.code, 'F00')
  assert.equal(reply.triggeredBy, 'test.me')
})

test('HTTP link: 5xx is LINK_REMOTE, a garbage 200 body LINK_PROTOCOL, no listener LINK_DOWN', async (t) => {
  let status = 503
  const peer = createServer((req, res) => {
    req.resume()
    res.writeHead(status).end(status === 200 ? 'garbage' : '')
  })
  await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => peer.close(() => resolve())))
  const url = `http://127.0.0.1:${(peer.address() as AddressInfo).port}/ilp`
  const link = createHttpLink({ accountId: 'p', url, outgoingToken: 't' })
  t.after(() => link.close())
  await assert.rejects(link.send(contractPrepare()), (err: unknown) => err instanceof LinkError && err.code === 'LINK_REMOTE')
  status = 200
  await assert.rejects(link.send(contractPrepare()), (err: unknown) => err instanceof LinkError && err.code === 'LINK_PROTOCOL')
  const down = createHttpLink({ accountId: 'q', url: 'http://127.0.0.1:1/ilp', outgoingToken: 't' })
  t.after(() => down.close())
  await assert.rejects(down.send(contractPrepare()), (err: unknown) => err instanceof LinkError && err.code === 'LINK_DOWN')
})

test('async HTTP: a callback to a foreign origin is refused, an unknown Request-Id gets 400', async (t) => {
  const p = await pair('async')
  t.after(() => p.close())
  p.b.handle(async (prepare) => echoFulfill(prepare))
  const headers = { 'content-type': 'application/octet-stream', authorization: `Bearer ${TOKEN_A}`, 'request-id': 'r1' }
  const foreign = await post(p.serverB, '/ilp', packetBytes(contractPrepare()), { ...headers, 'callback-url': 'http://198.51.100.1/cb' })
  assert.equal(foreign.status, 400)
  const unknown = await post(p.serverB, '/ilp/callback', packetBytes(echoFulfill(contractPrepare())), headers)
  assert.equal(unknown.status, 400)
})

test('HTTP handle with a callback: the link answers through it; a reply it cannot encode is a 500', async (t) => {
  const p = await pair('sync')
  t.after(() => p.close())
  await checkCallbackAnswers(p)
})
