import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { contractPrepare, echoFulfill } from '../link-contract.js'
import { LinkError } from '../types.js'
import type { IlpPrepare } from '../../ilp/types.js'
import { decodePrepare, encodeIlpPacket, packetBytes } from '../../ilp/index.js'
import { forwardablePrepareBytes, patchPrepare } from '../../ilp/packet.js'
import { createHttpLink } from './link.js'
import { createHttp1Client, HttpClientError } from './http1-client.js'
import { headEnd, parseRequestHead } from './http1.js'

type After = { after(f: () => unknown): void }

/** A raw peer: `onRequest(socket, body, index)` sees every request in order and answers (or not) as it likes. */
async function rawPeer(t: After, onRequest: (socket: Socket, body: Buffer, index: number) => void): Promise<{ url: string; sockets: Socket[] }> {
  const sockets: Socket[] = []
  let index = 0
  const server: Server = createServer((socket) => {
    sockets.push(socket)
    socket.on('error', () => {})
    let buf = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      for (;;) {
        const end = headEnd(buf, 0, 0, buf.length)
        if (end < 0) return
        const length = Math.max(parseRequestHead(buf, 0, end).contentLength, 0)
        if (end + length > buf.length) return
        onRequest(socket, buf.subarray(end, end + length), index++)
        buf = buf.subarray(end + length)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    for (const s of sockets) s.destroy()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ilp`, sockets }
}

const fulfillOf = (body: Buffer): Buffer => Buffer.from(packetBytes(echoFulfill(decodePrepare(body))))
const response = (body: Uint8Array, extra = ''): Buffer =>
  Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n`, 'latin1'), body])

test('pipelined link: a reply late at the head fails its packet LINK_TIMEOUT at expiry; the Fulfills queued behind it still reach theirs', async (t) => {
  const held: { socket: Socket; body: Buffer }[] = []
  const peer = await rawPeer(t, (socket, body, index) => {
    if (index >= 3) return void socket.write(response(fulfillOf(body))) // on the connection opened in the stall
    held.push({ socket, body })
    if (index === 2) {
      // The peer fulfils all three, the first one too late for its packet; HTTP/1.1 sends them in order.
      setTimeout(() => held.forEach(({ socket, body }) => socket.write(response(fulfillOf(body)))), 450)
    }
  })
  const link = createHttpLink({ accountId: 'p', url: peer.url, outgoingToken: 't', pipelining: 8, connections: 1 })
  t.after(() => link.close())
  const first = link.send(contractPrepare({ expiresAt: new Date(Date.now() + 150) }))
  const behind = [contractPrepare(), contractPrepare()]
  const others = behind.map((prepare) => link.send(prepare))
  await assert.rejects(first, (err: unknown) => err instanceof LinkError && err.code === 'LINK_TIMEOUT')
  await new Promise((resolve) => setTimeout(resolve, 150)) // the sweep has seen the stall
  const duringStall = await link.send(contractPrepare())
  assert.equal(duringStall.type, 13, 'a new connection carries new packets while the stalled one waits')
  assert.equal(peer.sockets.length, 2)
  const replies = await Promise.all(others)
  replies.forEach((reply, i) => {
    assert.ok(reply.type === 13)
    assert.deepEqual(Buffer.from(reply.data), Buffer.from(behind[i]!.data), 'each Fulfill reaches its own packet')
  })
})

test('pipelined link: when no reply comes, each packet fails LINK_TIMEOUT at its own expiry, then the connection closes', async (t) => {
  const peer = await rawPeer(t, () => {}) // reads everything, answers nothing
  const link = createHttpLink({ accountId: 'p', url: peer.url, outgoingToken: 't', pipelining: 8, connections: 1 })
  t.after(() => link.close())
  const started = Date.now()
  const failedAt = (send: Promise<unknown>): Promise<number> =>
    assert.rejects(send, (err: unknown) => err instanceof LinkError && err.code === 'LINK_TIMEOUT').then(() => Date.now() - started)
  const first = failedAt(link.send(contractPrepare({ expiresAt: new Date(started + 150) })))
  const second = failedAt(link.send(contractPrepare({ expiresAt: new Date(started + 600) })))
  const earlier = failedAt(link.send(contractPrepare({ expiresAt: new Date(started + 300) }))) // behind, but sooner
  assert.ok((await first) < 450)
  const [t2, t3] = await Promise.all([second, earlier])
  assert.ok(t3 >= 290 && t3 < 550, `the one behind with the earlier expiry fails at it (${t3} ms)`)
  assert.ok(t2 >= 590, `the last fails at its own expiry, not with the first (${t2} ms)`)
  const socket = peer.sockets[0]!
  if (!socket.destroyed) await new Promise((resolve) => socket.once('close', resolve))
  assert.equal(peer.sockets.length, 1, 'all on one connection')
})

test('pipelined link: stalled connections are bounded by `connections`; past it the oldest is dropped', async (t) => {
  const peer = await rawPeer(t, () => {}) // reads everything, answers nothing
  const link = createHttpLink({ accountId: 'p', url: peer.url, outgoingToken: 't', pipelining: 4, connections: 1 })
  t.after(() => link.close())
  const soon = (): IlpPrepare => contractPrepare({ expiresAt: new Date(Date.now() + 150) })
  const late = (): IlpPrepare => contractPrepare({ expiresAt: new Date(Date.now() + 10_000) })
  const timedOut = (err: unknown): boolean => err instanceof LinkError && err.code === 'LINK_TIMEOUT'
  const started = Date.now()
  const a = [link.send(soon()), link.send(late())] // connection 1: its head stalls it
  await assert.rejects(a[0]!, timedOut)
  await new Promise((resolve) => setTimeout(resolve, 150))
  const b = [link.send(soon()), link.send(late())] // connection 2, in its place; it stalls too
  await assert.rejects(b[0]!, timedOut)
  await assert.rejects(a[1]!, (err: unknown) => err instanceof LinkError && err.code === 'LINK_DOWN')
  assert.ok(Date.now() - started < 2000, 'the oldest stalled connection went when the second stalled')
  assert.equal(peer.sockets.length, 2)
  void b[1]!.catch(() => {}) // fails when the link closes
})

test('pipelined link: a connection dropped with requests in flight fails all of them LINK_DOWN; the next send reconnects', async (t) => {
  let drop = true
  const peer = await rawPeer(t, (socket, body, index) => {
    if (drop && index === 2) return void socket.destroy()
    if (!drop) socket.write(response(fulfillOf(body)))
  })
  const link = createHttpLink({ accountId: 'p', url: peer.url, outgoingToken: 't', pipelining: 8, connections: 1 })
  t.after(() => link.close())
  const sends = [0, 1, 2].map(() => link.send(contractPrepare()))
  for (const send of sends) await assert.rejects(send, (err: unknown) => err instanceof LinkError && err.code === 'LINK_DOWN')
  drop = false
  const reply = await link.send(contractPrepare())
  assert.equal(reply.type, 13)
})

test('HTTP/1.1 client: chunked replies, 1xx, and Connection: close (the requests behind it fail)', async (t) => {
  const peer = await rawPeer(t, (socket, body, index) => {
    const fulfill = fulfillOf(body)
    if (index === 0) {
      const half = fulfill.length >> 1
      socket.write(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${half.toString(16)};x=y\r\n`)
      socket.write(Buffer.concat([fulfill.subarray(0, half), Buffer.from(`\r\n${(fulfill.length - half).toString(16)}\r\n`), fulfill.subarray(half), Buffer.from('\r\n0\r\nTrailer: 1\r\n\r\n')]))
    } else if (index === 1) {
      socket.end(response(fulfill, 'Connection: close\r\n'))
    }
  })
  const client = createHttp1Client({ url: new URL(peer.url), headers: {}, connections: 1, pipelining: 8, bodyMaxBytes: 65536, now: Date.now })
  t.after(() => client.close())
  const prepares = [contractPrepare(), contractPrepare(), contractPrepare()]
  const [a, b, c] = prepares.map((p) => client.post(packetBytes(p), Date.now() + 5000))
  assert.deepEqual(Buffer.from((await a!).body), fulfillOf(Buffer.from(packetBytes(prepares[0]!))))
  assert.deepEqual(Buffer.from((await b!).body), fulfillOf(Buffer.from(packetBytes(prepares[1]!))))
  await assert.rejects(c!, (err: unknown) => err instanceof HttpClientError && err.code === 'HTTP_CONNECTION_LOST')
})

test('HTTP/1.1 client: an aborted request leaves the order intact (its reply is read and dropped)', async (t) => {
  const held: (() => void)[] = []
  const peer = await rawPeer(t, (socket, body) => held.push(() => socket.write(response(fulfillOf(body)))))
  const client = createHttp1Client({ url: new URL(peer.url), headers: {}, connections: 1, pipelining: 8, bodyMaxBytes: 65536, now: Date.now })
  t.after(() => client.close())
  const abort = new AbortController()
  const [p1, p2] = [contractPrepare(), contractPrepare()]
  const first = client.post(packetBytes(p1), Date.now() + 5000, abort.signal)
  const second = client.post(packetBytes(p2), Date.now() + 5000)
  abort.abort()
  await assert.rejects(first, (err: unknown) => err instanceof HttpClientError && err.code === 'HTTP_ABORTED')
  while (held.length < 2) await new Promise((r) => setTimeout(r, 5))
  for (const answer of held) answer()
  assert.deepEqual(Buffer.from((await second).body), fulfillOf(Buffer.from(packetBytes(p2))))
})

test('HTTP/1.1 client: a reply over the body bound drops the connection', async (t) => {
  const peer = await rawPeer(t, (socket) => socket.write(response(new Uint8Array(2000))))
  const client = createHttp1Client({ url: new URL(peer.url), headers: {}, connections: 1, pipelining: 8, bodyMaxBytes: 1000, now: Date.now })
  t.after(() => client.close())
  await assert.rejects(client.post(new Uint8Array(1), Date.now() + 5000), (err: unknown) => err instanceof HttpClientError && err.code === 'HTTP_REPLY_TOO_LARGE')
})

test('pipelined link against node:http: many packets in flight on few connections, every reply to its own packet', async (t) => {
  const seen = new Set<number>()
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      seen.add(req.socket.remotePort!)
      const reply = encodeIlpPacket(echoFulfill(decodePrepare(Buffer.concat(chunks))))
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(reply) // no Content-Length: chunked
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ilp`
  const link = createHttpLink({ accountId: 'p', url, outgoingToken: 't', pipelining: 16, connections: 2 })
  t.after(() => link.close())
  const prepares = Array.from({ length: 64 }, () => contractPrepare())
  const replies = await Promise.all(prepares.map((p) => link.send(p)))
  replies.forEach((reply, i) => {
    assert.equal(reply.type, 13)
    assert.deepEqual(Buffer.from(reply.data), Buffer.from(prepares[i]!.data))
  })
  assert.equal(seen.size, 2, 'two connections')
})

test('https: the link posts over TLS to a peer whose certificate it trusts (ca), and refuses one it does not', async (t) => {
  const fixtures = new URL('../../../../test/fixtures/', import.meta.url)
  const cert = readFileSync(new URL('tls-localhost.crt', fixtures))
  const key = readFileSync(new URL('tls-localhost.key', fixtures))
  const server = createHttpsServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const reply = encodeIlpPacket(echoFulfill(decodePrepare(Buffer.concat(chunks))))
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': reply.length }).end(reply)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    server.closeAllConnections()
    server.close()
  })
  const { port } = server.address() as AddressInfo
  for (const host of ['localhost', '127.0.0.1']) {
    const trusting = createHttpLink({ accountId: 'p', url: `https://${host}:${port}/ilp`, outgoingToken: 'x', ca: cert })
    t.after(() => trusting.close())
    const prepare = contractPrepare()
    const reply = await trusting.send(prepare)
    assert.equal(reply.type, 13, `fulfilled over https://${host}`)
  }
  const doubting = createHttpLink({ accountId: 'p', url: `https://localhost:${port}/ilp`, outgoingToken: 'x' })
  t.after(() => doubting.close())
  await assert.rejects(doubting.send(contractPrepare()), (err: LinkError) => err.code === 'LINK_DOWN')
})

test('HTTP/1.1 client: a forwarded Prepare goes out with its new amount and expiry, also when it waited for room', async (t) => {
  const bodies: Buffer[] = []
  const peer = await rawPeer(t, (socket, body) => {
    bodies.push(Buffer.from(body))
    socket.write(response(fulfillOf(body)))
  })
  // One connection, one request at a time: the second and third wait in the queue.
  const client = createHttp1Client({ url: new URL(peer.url), headers: {}, connections: 1, pipelining: 1, bodyMaxBytes: 65536, now: Date.now })
  t.after(() => client.close())
  const incoming = [contractPrepare(), contractPrepare(), contractPrepare()].map((p) => Buffer.from(packetBytes(p)))
  const replies = incoming.map((bytes, i) => {
    // The incoming bytes are in memory that is overwritten as soon as request() returns (as a reused read buffer would be).
    const scratch = Buffer.from(bytes)
    const prepare = decodePrepare(scratch)
    const forwarded = patchPrepare(prepare, 1000n + BigInt(i), new Date(prepare.expiresAt.getTime() - 1000))
    const raw = forwardablePrepareBytes(forwarded)!
    const reply = new Promise<number>((resolve, reject) => client.request(raw, Date.now() + 5000, (r, err) => (r === undefined ? reject(err) : resolve(r.status)), undefined, forwarded))
    scratch.fill(0)
    return reply
  })
  assert.deepEqual(await Promise.all(replies), [200, 200, 200])
  assert.equal(bodies.length, 3)
  bodies.forEach((body, i) => {
    const sent = decodePrepare(body)
    const original = decodePrepare(incoming[i]!)
    assert.equal(sent.amount, 1000n + BigInt(i))
    assert.equal(sent.expiresAt.getTime(), original.expiresAt.getTime() - 1000)
    assert.deepEqual(Buffer.from(sent.executionCondition), Buffer.from(original.executionCondition))
    assert.equal(sent.destination, original.destination)
    assert.deepEqual(Buffer.from(sent.data), Buffer.from(original.data))
  })
})

test('HTTP/1.1 client: a reply cut across reads keeps its first part while other connections read (plain TCP reads share one buffer)', async (t) => {
  const held: { socket: Socket; reply: Buffer }[] = []
  const peer = await rawPeer(t, (socket, body) => held.push({ socket, reply: response(fulfillOf(body)) }))
  const client = createHttp1Client({ url: new URL(peer.url), headers: {}, connections: 2, pipelining: 1, bodyMaxBytes: 65536, now: Date.now })
  t.after(() => client.close())
  const [p1, p2] = [contractPrepare(), contractPrepare()]
  const first = client.post(packetBytes(p1), Date.now() + 5000)
  const second = client.post(packetBytes(p2), Date.now() + 5000)
  while (held.length < 2) await new Promise((r) => setTimeout(r, 5))
  const [a, b] = held as [{ socket: Socket; reply: Buffer }, { socket: Socket; reply: Buffer }]
  assert.notEqual(a.socket, b.socket)
  const cut = a.reply.length - 20 // inside the body
  a.socket.write(a.reply.subarray(0, cut))
  await new Promise((r) => setTimeout(r, 20))
  b.socket.write(b.reply) // read into the same buffer as a's first part
  await new Promise((r) => setTimeout(r, 20))
  a.socket.write(a.reply.subarray(cut))
  const replies = await Promise.all([first, second])
  const expected = [p1, p2].map((p) => fulfillOf(Buffer.from(packetBytes(p))))
  const byBody = replies.map((r) => Buffer.from(r.body))
  assert.ok(byBody[0]!.equals(expected[0]!) && byBody[1]!.equals(expected[1]!), 'each reply to its own request, whole')
})

test('HTTP/1.1 client without pipelining: an idle connection is reused before another opens; past `connections` requests wait for one', async (t) => {
  const held: { socket: Socket; reply: Buffer }[] = []
  const peer = await rawPeer(t, (socket, body) => held.push({ socket, reply: response(fulfillOf(body)) }))
  const client = createHttp1Client({ url: new URL(peer.url), headers: {}, connections: 2, pipelining: 1, bodyMaxBytes: 65536, now: Date.now })
  t.after(() => client.close())
  const answerAll = (): void => void held.splice(0).forEach(({ socket, reply }) => socket.write(reply))
  const waitHeld = async (n: number): Promise<void> => {
    while (held.length < n) await new Promise((r) => setTimeout(r, 5))
  }
  // One after another: one connection.
  for (let i = 0; i < 3; i++) {
    const reply = client.post(packetBytes(contractPrepare()), Date.now() + 5000)
    await waitHeld(1)
    answerAll()
    assert.equal((await reply).status, 200)
  }
  assert.equal(peer.sockets.length, 1, 'the idle connection carried every request')
  // Three at once on two connections: the third goes out on the first connection that is free again.
  const replies = [0, 1, 2].map(() => client.post(packetBytes(contractPrepare()), Date.now() + 5000))
  await waitHeld(2)
  await new Promise((r) => setTimeout(r, 30))
  assert.equal(held.length, 2, 'the third request waits for room')
  assert.equal(peer.sockets.length, 2)
  const [first] = held.splice(0, 1)
  first!.socket.write(first!.reply)
  await waitHeld(2)
  assert.equal(held[1]!.socket, first!.socket, 'the third went on the connection that became idle')
  answerAll()
  assert.deepEqual((await Promise.all(replies)).map((r) => r.status), [200, 200, 200])
  assert.equal(peer.sockets.length, 2, 'no third connection')
})
