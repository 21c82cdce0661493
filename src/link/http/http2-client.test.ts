import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createSecureServer, createServer as createHttp2Server, type Http2Server, type ServerHttp2Stream } from 'node:http2'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { contractPrepare, echoFulfill } from '../link-contract.js'
import { LinkError } from '../types.js'
import { decodePrepare, forwardablePrepareBytes, packetBytes, patchPrepare } from '../../ilp/packet.js'
import { createHttpLink } from './link.js'
import { createHttp2Client } from './http2-client.js'
import { HttpClientError } from './http1-client.js'

type After = { after(f: () => unknown): void }

/** A raw HTTP/2 peer: `onStream(stream, body)` answers (or not) each request as it likes. */
async function h2Peer(t: After, onStream: (stream: ServerHttp2Stream, body: Buffer) => void, maxConcurrentStreams = 100): Promise<{ url: string; server: Http2Server; sessions: () => number }> {
  let sessions = 0
  const server = createHttp2Server({ settings: { maxConcurrentStreams } })
  server.on('session', () => void sessions++)
  server.on('stream', (stream) => {
    const chunks: Buffer[] = []
    stream.on('error', () => {})
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', () => onStream(stream, Buffer.concat(chunks)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ilp`, server, sessions: () => sessions }
}

const fulfil = (stream: ServerHttp2Stream, body: Buffer): void => {
  if (stream.destroyed) return
  stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' })
  stream.end(Buffer.from(packetBytes(echoFulfill(decodePrepare(body)))))
}

test('HTTP/2 link: more packets in flight than the peer allows streams wait their turn on one connection; each gets its own reply', async (t) => {
  let open = 0
  let most = 0
  const peer = await h2Peer(t, (stream, body) => {
    most = Math.max(most, ++open)
    setTimeout(() => {
      open--
      fulfil(stream, body)
    }, 5)
  }, 10)
  const link = createHttpLink({ accountId: 'p', url: peer.url, outgoingToken: 't', http2: true })
  t.after(() => link.close())
  const prepares = Array.from({ length: 60 }, (_, i) => contractPrepare({ amount: BigInt(i + 1) }))
  const replies = await Promise.all(prepares.map((p) => link.send(p)))
  replies.forEach((reply, i) => {
    assert.equal(reply.type, 13)
    assert.deepEqual(Buffer.from(reply.data), Buffer.from(prepares[i]!.data))
  })
  assert.ok(most <= 10, `at most the peer's 10 streams at once (saw ${most})`)
  assert.equal(peer.sessions(), 1)
})

test('HTTP/2 link: a reply that does not come fails LINK_TIMEOUT at the packet expiry, and the others on the connection are answered', async (t) => {
  const peer = await h2Peer(t, (stream, body) => {
    if (decodePrepare(body).amount === 1n) return // never answered
    fulfil(stream, body)
  })
  const link = createHttpLink({ accountId: 'p', url: peer.url, outgoingToken: 't', http2: true })
  t.after(() => link.close())
  const slow = link.send(contractPrepare({ amount: 1n, expiresAt: new Date(Date.now() + 200) }))
  const others = [2n, 3n, 4n].map((amount) => link.send(contractPrepare({ amount })))
  assert.deepEqual((await Promise.all(others)).map((r) => r.type), [13, 13, 13], 'no head-of-line blocking')
  await assert.rejects(slow, (err: unknown) => err instanceof LinkError && err.code === 'LINK_TIMEOUT')
})

test('HTTP/2 link: nobody listening is LINK_DOWN; a peer that drops the connection mid-request is LINK_DOWN; the next send reconnects', async (t) => {
  const free = createNetServer()
  await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve))
  const port = (free.address() as AddressInfo).port
  await new Promise<void>((resolve) => free.close(() => resolve()))
  const nowhere = createHttpLink({ accountId: 'p', url: `http://127.0.0.1:${port}/ilp`, outgoingToken: 't', http2: true })
  t.after(() => nowhere.close())
  await assert.rejects(nowhere.send(contractPrepare()), (err: unknown) => err instanceof LinkError && err.code === 'LINK_DOWN')

  let drop = true
  const peer = await h2Peer(t, (stream, body) => {
    if (drop) {
      drop = false
      return stream.session?.destroy()
    }
    fulfil(stream, body)
  })
  const link = createHttpLink({ accountId: 'p', url: peer.url, outgoingToken: 't', http2: true })
  t.after(() => link.close())
  await assert.rejects(link.send(contractPrepare()), (err: unknown) => err instanceof LinkError && err.code === 'LINK_DOWN')
  assert.equal((await link.send(contractPrepare())).type, 13)
  assert.equal(peer.sessions(), 2)
})

test('HTTP/2 client: a reply body over the bound cancels the stream; statuses come through; forwarded Prepares go out patched', async (t) => {
  const seen: Buffer[] = []
  const peer = await h2Peer(t, (stream, body) => {
    seen.push(body)
    const amount = decodePrepare(body).amount
    if (amount === 1n) {
      stream.respond({ ':status': 200 })
      return stream.end(Buffer.alloc(5000))
    }
    if (amount === 2n) {
      stream.respond({ ':status': 503 })
      return stream.end('busy')
    }
    fulfil(stream, body)
  })
  const client = createHttp2Client({ url: new URL(peer.url), headers: {}, connections: 1, bodyMaxBytes: 1000, now: Date.now })
  t.after(() => client.close())
  await assert.rejects(client.post(packetBytes(contractPrepare({ amount: 1n })), Date.now() + 5000), (err: unknown) => err instanceof HttpClientError && err.code === 'HTTP_REPLY_TOO_LARGE')
  assert.equal((await client.post(packetBytes(contractPrepare({ amount: 2n })), Date.now() + 5000)).status, 503)
  const incoming = Buffer.from(packetBytes(contractPrepare({ amount: 5n })))
  const prepare = decodePrepare(incoming)
  const forwarded = patchPrepare(prepare, 4n, new Date(prepare.expiresAt.getTime() - 1000))
  const raw = forwardablePrepareBytes(forwarded)!
  const reply = client.post(raw, Date.now() + 5000) // as the link sends it: raw bytes, then patched below
  await reply
  const sent = new Promise<number>((resolve, reject) => client.request(raw, Date.now() + 5000, (r, err) => (r === undefined ? reject(err) : resolve(r.status)), undefined, forwarded))
  incoming.fill(0) // the caller's memory is reused at once
  assert.equal(await sent, 200)
  const last = decodePrepare(seen.at(-1)!)
  assert.equal(last.amount, 4n)
  assert.equal(last.expiresAt.getTime(), prepare.expiresAt.getTime() - 1000)
  await client.close()
  await assert.rejects(client.post(packetBytes(contractPrepare()), Date.now() + 5000), (err: unknown) => err instanceof HttpClientError && err.code === 'HTTP_CLIENT_CLOSED')
})

test('HTTP/2 over TLS: ALPN h2 to a peer whose certificate the link trusts (ca); one it does not trust is LINK_DOWN', async (t) => {
  const fixtures = new URL('../../../../test/fixtures/', import.meta.url)
  const cert = readFileSync(new URL('tls-localhost.crt', fixtures))
  const key = readFileSync(new URL('tls-localhost.key', fixtures))
  const server = createSecureServer({ cert, key }) // ALPN h2 only: an HTTP/1.1 client would be refused
  let alpn: string | false | undefined
  server.on('session', (session) => void (alpn = session.alpnProtocol))
  server.on('stream', (stream) => {
    const chunks: Buffer[] = []
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', () => fulfil(stream, Buffer.concat(chunks)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as AddressInfo
  for (const host of ['localhost', '127.0.0.1']) {
    const trusting = createHttpLink({ accountId: 'p', url: `https://${host}:${port}/ilp`, outgoingToken: 'x', ca: cert, http2: true })
    t.after(() => trusting.close())
    const replies = await Promise.all([1n, 2n, 3n].map((amount) => trusting.send(contractPrepare({ amount }))))
    assert.deepEqual(replies.map((r) => r.type), [13, 13, 13], `fulfilled over https://${host}`)
    assert.equal(alpn, 'h2')
  }
  const doubting = createHttpLink({ accountId: 'p', url: `https://localhost:${port}/ilp`, outgoingToken: 'x', http2: true })
  t.after(() => doubting.close())
  await assert.rejects(doubting.send(contractPrepare()), (err: unknown) => err instanceof LinkError && err.code === 'LINK_DOWN')
})
