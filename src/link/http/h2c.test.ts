import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect as connectHttp2, constants, type ClientHttp2Session } from 'node:http2'
import { connect } from 'node:net'
import { once } from 'node:events'
import { contractPrepare, echoFulfill } from '../link-contract.js'
import { createTokenAuthenticator } from '../tokens.js'
import { decodeReply, packetBytes, type IlpPrepare, type IlpReply } from '../../ilp/index.js'
import { createHttpLinkServer, HTTP2_STREAMS_MAX, type HttpLinkServerOptions } from './server.js'
import { HTTP2_PREFACE, isHttp2Preface } from './h2c.js'

const TOKEN = 'token-of-a-0123456789abcdef0123456789abcdef'

async function serverWith(t: { after(f: () => unknown): void }, handler: (prepare: IlpPrepare) => Promise<IlpReply>, extra: Partial<HttpLinkServerOptions> = {}) {
  const server = await createHttpLinkServer({ listen: { port: 0 }, authenticate: createTokenAuthenticator([{ accountId: 'a', token: TOKEN }]), ...extra })
  server.register('a', { handler })
  t.after(() => server.close())
  return server
}

function session(t: { after(f: () => unknown): void }, url: string): ClientHttp2Session {
  const s = connectHttp2(url)
  s.on('error', () => {})
  t.after(() => s.destroy())
  return s
}

/** One POST over `s`: status and body (or the stream's error). */
function post(s: ClientHttp2Session, body: Uint8Array, headers: Record<string, string> = {}, path = '/ilp'): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const stream = s.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/octet-stream',
      authorization: `Bearer ${TOKEN}`,
      ...headers,
    })
    let status = 0
    const chunks: Buffer[] = []
    stream.on('response', (h) => void (status = Number(h[':status'])))
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', () => resolve({ status, body: Buffer.concat(chunks) }))
    stream.on('error', reject)
    stream.end(body)
  })
}

test('isHttp2Preface: the preface line only, whole', () => {
  assert.equal(isHttp2Preface(HTTP2_PREFACE), true)
  assert.equal(isHttp2Preface(HTTP2_PREFACE.subarray(0, 16)), true)
  assert.equal(isHttp2Preface(HTTP2_PREFACE.subarray(0, 15)), false)
  assert.equal(isHttp2Preface(Buffer.from('PRI * HTTP/1.1\r\n\r\n')), false)
  assert.equal(isHttp2Preface(Buffer.from('POST /ilp HTTP/1.1\r\n')), false)
})

test('HTTP/2 with prior knowledge on the HTTP port: many Prepares in flight on one connection, replies to their own requests, same statuses as HTTP/1.1', async (t) => {
  const server = await serverWith(t, async (prepare) => {
    await new Promise((r) => setTimeout(r, Number(prepare.amount % 7n))) // out of order
    return echoFulfill(prepare)
  })
  const s = session(t, server.url)
  const prepares = Array.from({ length: 300 }, (_, i) => contractPrepare({ amount: BigInt(i + 1) }))
  const replies = await Promise.all(prepares.map((p) => post(s, packetBytes(p))))
  replies.forEach((r, i) => {
    assert.equal(r.status, 200)
    const reply = decodeReply(r.body)
    assert.ok(reply.type === 13)
    assert.deepEqual(Buffer.from(reply.data), Buffer.from(prepares[i]!.data))
  })
  assert.equal(s.remoteSettings.maxConcurrentStreams, HTTP2_STREAMS_MAX)
  assert.equal((await post(s, packetBytes(prepares[0]!), { authorization: 'Bearer wrong' })).status, 401)
  assert.equal((await post(s, packetBytes(prepares[0]!), {}, '/accounts/b/ilp')).status, 401)
  assert.equal((await post(s, packetBytes(prepares[0]!), { 'content-type': 'text/plain' })).status, 415)
  assert.equal((await post(s, Buffer.from('not a packet'))).status, 400)
  assert.equal((await post(s, packetBytes(prepares[0]!), {}, '/nowhere')).status, 404)
  // A body over the bound gets 413; the connection carries on.
  assert.equal((await post(s, Buffer.alloc(70_000))).status, 413)
  assert.equal((await post(s, packetBytes(prepares[1]!))).status, 200)
})

test('HTTP/2: a request whose body does not arrive in time is cancelled; an idle connection is closed; close() ends open ones', async (t) => {
  const server = await serverWith(t, async (prepare) => echoFulfill(prepare), { requestReceiveTimeoutMs: 100, keepAliveMs: 300 })
  const s = session(t, server.url)
  const stream = s.request({ ':method': 'POST', ':path': '/ilp', 'content-type': 'application/octet-stream', authorization: `Bearer ${TOKEN}` })
  stream.on('error', () => {})
  stream.write(packetBytes(contractPrepare()).subarray(0, 10)) // never ended
  await once(stream, 'close')
  assert.equal(stream.rstCode, constants.NGHTTP2_CANCEL)
  assert.equal((await post(s, packetBytes(contractPrepare()))).status, 200, 'the connection still serves')
  await once(s, 'close') // idle past keepAliveMs
  const again = session(t, server.url)
  assert.equal((await post(again, packetBytes(contractPrepare()))).status, 200)
  const closed = once(again, 'close')
  await server.close()
  await closed
})

test('HTTP/2: a peer that breaks the protocol after the preface loses its connection; the port keeps serving both versions', async (t) => {
  const server = await serverWith(t, async (prepare) => echoFulfill(prepare))
  const { port } = new URL(server.url)
  const socket = connect(Number(port), '127.0.0.1')
  socket.on('error', () => {})
  socket.resume() // reads what the server sends (its GOAWAY), and so sees the close
  await once(socket, 'connect')
  socket.write(Buffer.concat([HTTP2_PREFACE, Buffer.from('this is not a SETTINGS frame at all, just bytes')]))
  await once(socket, 'close')
  const s = session(t, server.url)
  assert.equal((await post(s, packetBytes(contractPrepare()))).status, 200)
  const res = await fetch(`${server.url}/ilp`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${TOKEN}` }, body: packetBytes(contractPrepare()) })
  assert.equal(res.status, 200)
})
