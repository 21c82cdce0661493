import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { contractPrepare, echoFulfill } from '../link-contract.js'
import { createTokenAuthenticator } from '../tokens.js'
import { decodeReply, packetBytes, type IlpPrepare, type IlpReply } from '../../ilp/index.js'
import { createHttpLinkServer, type HttpLinkServerOptions } from './server.js'
import { HTTP_PIPELINED_MAX } from './fast-path.js'
import { sameSecret } from './fast-route.js'
import { JWT_CLOCK_TOLERANCE_MS } from '../jwt.js'
import { createHmac } from 'node:crypto'
import { headEnd, parseResponseHead } from './http1.js'

const TOKEN = 'token-of-a-0123456789abcdef0123456789abcdef'

type Handler = (prepare: IlpPrepare) => Promise<IlpReply>

async function serverWith(t: { after(f: () => unknown): void }, handler: Handler, extra: Partial<HttpLinkServerOptions> = {}) {
  const server = await createHttpLinkServer({ listen: { port: 0 }, authenticate: createTokenAuthenticator([{ accountId: 'a', token: TOKEN }]), ...extra })
  server.register('a', { handler })
  t.after(() => server.close())
  return server
}

function request(body: Uint8Array, headers: Record<string, string> = {}, path = '/ilp'): Buffer {
  const fields = { 'content-type': 'application/octet-stream', authorization: `Bearer ${TOKEN}`, 'content-length': String(body.length), ...headers }
  const head = `POST ${path} HTTP/1.1\r\nHost: x\r\n${Object.entries(fields).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`
  return Buffer.concat([Buffer.from(head, 'latin1'), body])
}

interface Response {
  status: number
  head: string
  body: Buffer
}

/** A raw client socket that collects every response in order (Content-Length framed). */
async function rawClient(url: string): Promise<{ socket: Socket; responses: Response[]; closed: Promise<unknown>; waitFor(n: number): Promise<void> }> {
  const { port } = new URL(url)
  const socket = connect(Number(port), '127.0.0.1')
  await once(socket, 'connect')
  const responses: Response[] = []
  let buf = Buffer.alloc(0)
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk])
    for (;;) {
      const end = headEnd(buf, 0, 0, buf.length)
      if (end < 0) return
      const head = parseResponseHead(buf, 0, end)
      const length = Math.max(head.contentLength, 0)
      if (end + length > buf.length) return
      responses.push({ status: head.status, head: buf.toString('latin1', 0, end), body: buf.subarray(end, end + length) })
      buf = buf.subarray(end + length)
    }
  })
  const closed = once(socket, 'close')
  const waitFor = async (n: number): Promise<void> => {
    for (let i = 0; i < 500 && responses.length < n; i++) await new Promise((r) => setTimeout(r, 5))
    assert.equal(responses.length, n, `${n} responses`)
  }
  return { socket, responses, closed, waitFor }
}

const dataOf = (r: Response): string => Buffer.from(decodeReply(r.body).data).toString('hex')
const hexData = (p: IlpPrepare): string => Buffer.from(p.data).toString('hex')

test('fast path: pipelined requests are answered in order when handlers finish out of order, in one chunk', async (t) => {
  // Later packets finish first: delay = (10 - i) ms.
  const server = await serverWith(t, async (p) => {
    await new Promise((r) => setTimeout(r, Number(p.amount % 10n)))
    return echoFulfill(p)
  })
  const client = await rawClient(server.url)
  t.after(() => client.socket.destroy())
  const prepares = Array.from({ length: 10 }, (_, i) => contractPrepare({ amount: BigInt(10 - i) }))
  client.socket.write(Buffer.concat(prepares.map((p) => request(packetBytes(p)))))
  await client.waitFor(10)
  assert.deepEqual(client.responses.map(dataOf), prepares.map(hexData))
  assert.ok(client.responses.every((r) => r.status === 200 && /content-type: application\/octet-stream/i.test(r.head) && /\r\ndate: /i.test(r.head)))
})

test('fast path: a request sent byte by byte is read whole', async (t) => {
  const server = await serverWith(t, async (p) => echoFulfill(p))
  const client = await rawClient(server.url)
  t.after(() => client.socket.destroy())
  const prepare = contractPrepare()
  const bytes = request(packetBytes(prepare), {}, '/accounts/a/ilp')
  client.socket.setNoDelay(true)
  for (const byte of bytes) {
    client.socket.write(Buffer.from([byte]))
    await new Promise((r) => setImmediate(r))
  }
  await client.waitFor(1)
  assert.equal(client.responses[0]!.status, 200)
  assert.equal(dataOf(client.responses[0]!), hexData(prepare))
})

test('fast path: bad requests get the same 4xx as node:http and the connection keeps serving', async (t) => {
  const server = await serverWith(t, async (p) => echoFulfill(p))
  const client = await rawClient(server.url)
  t.after(() => client.socket.destroy())
  const good = contractPrepare()
  client.socket.write(
    Buffer.concat([
      request(packetBytes(contractPrepare()), { authorization: 'Bearer wrong' }),
      request(packetBytes(contractPrepare()), { 'content-type': 'text/plain' }),
      request(Buffer.from('not a packet')),
      request(packetBytes(contractPrepare()), {}, '/accounts/zz/ilp'),
      request(packetBytes(good), { 'content-type': 'application/ilp+octet-stream' }),
    ]),
  )
  await client.waitFor(5)
  assert.deepEqual(client.responses.map((r) => r.status), [401, 415, 400, 401, 200])
  assert.equal(dataOf(client.responses[4]!), hexData(good))
})

test('fast path: hands the connection to node:http at the first request it does not serve (a GET after POSTs)', async (t) => {
  const server = await serverWith(t, async (p) => echoFulfill(p), {
    otherRequests: async (req, res) => {
      const body = JSON.stringify({ path: req.url })
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body)
      return true
    },
  })
  const client = await rawClient(server.url)
  t.after(() => client.socket.destroy())
  const [p1, p2, p3] = [contractPrepare(), contractPrepare(), contractPrepare()]
  client.socket.write(Buffer.concat([request(packetBytes(p1)), request(packetBytes(p2)), Buffer.from('GET /spsp HTTP/1.1\r\nHost: x\r\n\r\n')]))
  await client.waitFor(3)
  // node:http now serves the connection: a later POST is still answered (its own path, same result).
  client.socket.write(request(packetBytes(p3)))
  await client.waitFor(4)
  assert.deepEqual(client.responses.map((r) => r.status), [200, 200, 200, 200])
  assert.equal(dataOf(client.responses[0]!), hexData(p1))
  assert.equal(dataOf(client.responses[1]!), hexData(p2))
  assert.equal(client.responses[2]!.body.toString(), '{"path":"/spsp"}')
  assert.equal(dataOf(client.responses[3]!), hexData(p3))
})

test('fast path: a body over 64 KiB gets 413 and the connection is closed', async (t) => {
  let calls = 0
  const server = await serverWith(t, async (p) => (calls++, echoFulfill(p)))
  const client = await rawClient(server.url)
  t.after(() => client.socket.destroy())
  const first = contractPrepare()
  client.socket.write(Buffer.concat([request(packetBytes(first)), request(new Uint8Array(100_000))]))
  await client.closed
  assert.deepEqual(client.responses.map((r) => r.status), [200, 413])
  assert.match(client.responses[1]!.head, /connection: close/i)
  assert.equal(calls, 1)
})

test('fast path: a request not received within the timeout closes the connection (slow loris)', async (t) => {
  const server = await serverWith(t, async (p) => echoFulfill(p), { requestReceiveTimeoutMs: 100 })
  const client = await rawClient(server.url)
  t.after(() => client.socket.destroy())
  const bytes = request(packetBytes(contractPrepare()))
  client.socket.write(bytes.subarray(0, 20))
  const started = Date.now()
  const timer = setInterval(() => client.socket.write('X'), 20) // keeps the socket busy, never finishes the head
  t.after(() => clearInterval(timer))
  await client.closed
  clearInterval(timer)
  assert.ok(Date.now() - started < 2000)
  assert.equal(client.responses[0]?.status, 408)
})

test('after the hand-over, node:http bounds the time to receive a request too (slow loris on a handed-over connection)', async (t) => {
  const server = await serverWith(t, async (p) => echoFulfill(p), {
    requestReceiveTimeoutMs: 200,
    otherRequests: async (_req, res) => {
      res.writeHead(204).end()
      return true
    },
  })
  const client = await rawClient(server.url)
  t.after(() => client.socket.destroy())
  client.socket.write('GET /x HTTP/1.1\r\nHost: x\r\n\r\nPOST /ilp HTTP/1.1\r\nHost: x\r\n')
  const started = Date.now()
  await client.closed
  assert.equal(client.responses[0]?.status, 204)
  assert.ok(Date.now() - started < 3000, `closed after ${Date.now() - started} ms`)
})

test('fast path: an idle keep-alive connection is closed after keepAliveMs', async (t) => {
  const server = await serverWith(t, async (p) => echoFulfill(p), { keepAliveMs: 100 })
  const client = await rawClient(server.url)
  t.after(() => client.socket.destroy())
  client.socket.write(request(packetBytes(contractPrepare())))
  await client.waitFor(1)
  await client.closed
  assert.equal(client.responses[0]!.status, 200)
})

test(`fast path: at most ${HTTP_PIPELINED_MAX} requests per connection are read before their replies are written`, async (t) => {
  const release: (() => void)[] = []
  const server = await serverWith(t, (p) => new Promise((resolve) => release.push(() => resolve(echoFulfill(p)))))
  const client = await rawClient(server.url)
  t.after(() => client.socket.destroy())
  const prepares = Array.from({ length: HTTP_PIPELINED_MAX + 50 }, () => contractPrepare())
  client.socket.write(Buffer.concat(prepares.map((p) => request(packetBytes(p)))))
  await new Promise((r) => setTimeout(r, 100))
  assert.equal(release.length, HTTP_PIPELINED_MAX)
  for (let i = 0; i < 10 && release.length > 0; i++) {
    for (const r of release.splice(0)) r()
    await new Promise((r) => setTimeout(r, 20))
  }
  await client.waitFor(prepares.length)
  assert.deepEqual(client.responses.map(dataOf), prepares.map(hexData))
})

test('fast path: a handler that throws gets 500 and later requests are still answered', async (t) => {
  let n = 0
  const server = await serverWith(t, async (p) => {
    if (n++ === 0) throw new Error('boom')
    return echoFulfill(p)
  })
  const client = await rawClient(server.url)
  t.after(() => client.socket.destroy())
  client.socket.write(Buffer.concat([request(packetBytes(contractPrepare())), request(packetBytes(contractPrepare()))]))
  await client.waitFor(2)
  assert.deepEqual(client.responses.map((r) => r.status), [500, 200])
})

test('fast path: an authenticator that throws gets 500, and the listener keeps serving', async (t) => {
  let broken = true
  const server = await createHttpLinkServer({
    listen: { port: 0 },
    authenticate: () => {
      if (broken) throw new Error('store down')
      return 'a'
    },
  })
  t.after(() => server.close())
  server.register('a', { handler: async (p) => echoFulfill(p) })
  const client = await rawClient(server.url)
  t.after(() => client.socket.destroy())
  client.socket.write(request(packetBytes(contractPrepare())))
  await client.waitFor(1)
  broken = false
  client.socket.write(request(packetBytes(contractPrepare())))
  await client.waitFor(2)
  assert.deepEqual(client.responses.map((r) => r.status), [500, 200])
})

test('requests the fast path does not take are served by node:http with the same result (chunked body, Expect, HTTP/1.0)', async (t) => {
  const server = await serverWith(t, async (p) => echoFulfill(p))
  const [p1, p2, p3] = [contractPrepare(), contractPrepare(), contractPrepare()]
  const fields = `Host: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/octet-stream\r\n`
  const chunked = (body: Uint8Array) =>
    Buffer.concat([Buffer.from(`POST /ilp HTTP/1.1\r\n${fields}Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')])
  const client = await rawClient(server.url)
  t.after(() => client.socket.destroy())
  client.socket.write(Buffer.concat([request(packetBytes(p1)), chunked(packetBytes(p2))]))
  await client.waitFor(2)
  assert.deepEqual(client.responses.map((r) => r.status), [200, 200])
  assert.deepEqual(client.responses.map(dataOf), [hexData(p1), hexData(p2)])

  const expecting = await rawClient(server.url)
  t.after(() => expecting.socket.destroy())
  const body = packetBytes(p3)
  expecting.socket.write(`POST /ilp HTTP/1.1\r\n${fields}Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`)
  await expecting.waitFor(1)
  assert.equal(expecting.responses[0]!.status, 100)
  expecting.socket.write(body)
  await expecting.waitFor(2)
  assert.equal(dataOf(expecting.responses[1]!), hexData(p3))

  const old = await rawClient(server.url)
  t.after(() => old.socket.destroy())
  old.socket.write(Buffer.concat([Buffer.from(`POST /ilp HTTP/1.0\r\n${fields}Content-Length: ${body.length}\r\n\r\n`), body]))
  await old.closed
  assert.equal(old.responses[0]?.status, 200)
})

test('fast path: a reply that cannot be encoded gets 500, not an unhandled rejection', async (t) => {
  const server = await serverWith(t, async () => ({ type: 13, fulfillment: new Uint8Array(5), data: new Uint8Array(0) }) as IlpReply)
  const client = await rawClient(server.url)
  t.after(() => client.socket.destroy())
  client.socket.write(request(packetBytes(contractPrepare())))
  await client.waitFor(1)
  assert.equal(client.responses[0]!.status, 500)
})

test('fast path: credentials are remembered per connection only until they change; another token on the same connection is checked afresh', async (t) => {
  const TOKEN_B = 'token-of-b-0123456789abcdef0123456789abcdef'
  let tokens = [{ accountId: 'a', token: TOKEN }, { accountId: 'b', token: TOKEN_B }]
  let authenticate = createTokenAuthenticator(tokens)
  const seen: string[] = []
  const server = await createHttpLinkServer({ listen: { port: 0 }, authenticate: (u, tok) => authenticate(u, tok) })
  t.after(() => server.close())
  server.register('a', { handler: async (p) => (seen.push('a'), echoFulfill(p)) })
  server.register('b', { handler: async (p) => (seen.push('b'), echoFulfill(p)) })
  const client = await rawClient(server.url)
  t.after(() => client.socket.destroy())
  const send = (token: string, path = '/ilp'): void => void client.socket.write(request(packetBytes(contractPrepare()), { authorization: `Bearer ${token}` }, path))

  // A proxy may carry several clients on one connection: each request is attributed by its own token.
  send(TOKEN)
  send(TOKEN)
  send(TOKEN_B)
  send(TOKEN.slice(0, -1) + 'x') // the remembered token but its last character: refused
  send(TOKEN)
  send(TOKEN, '/accounts/b/ilp') // a's token on b's path: refused
  await client.waitFor(6)
  assert.deepEqual(client.responses.map((r) => r.status), [200, 200, 200, 401, 200, 401])
  assert.deepEqual(seen, ['a', 'a', 'b', 'a'])

  // a's token is revoked: refused at once on the open connection.
  tokens = tokens.filter((e) => e.accountId !== 'a')
  authenticate = createTokenAuthenticator(tokens)
  server.credentialsChanged()
  send(TOKEN)
  send(TOKEN_B)
  await client.waitFor(8)
  assert.deepEqual(client.responses.slice(6).map((r) => r.status), [401, 200])

  // An account whose endpoint goes away: 404 at once too.
  server.unregister('b')
  send(TOKEN_B)
  await client.waitFor(9)
  assert.equal(client.responses[8]!.status, 404)
})

test('fast path: a JWT is remembered on its connection only until it expires; then the same token is refused', async (t) => {
  const SECRET = 'jwt-secret-of-a-0123456789abcdef0123456789ab'
  const server = await createHttpLinkServer({ listen: { port: 0 }, authenticate: createTokenAuthenticator([], [{ accountId: 'a', jwtSecret: SECRET }]) })
  t.after(() => server.close())
  server.register('a', { handler: async (p) => echoFulfill(p) })
  // Expired 4 s ago: still inside the clock tolerance, for at most a second more.
  const exp = Math.floor(Date.now() / 1000) - (JWT_CLOCK_TOLERANCE_MS / 1000 - 1)
  const input = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}`
  const token = `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`
  const client = await rawClient(server.url)
  t.after(() => client.socket.destroy())
  const send = (): void => void client.socket.write(request(packetBytes(contractPrepare()), { authorization: `Bearer ${token}` }, '/accounts/a/ilp'))
  send()
  send()
  await client.waitFor(2)
  assert.deepEqual(client.responses.map((r) => r.status), [200, 200])
  while (Date.now() < exp * 1000 + JWT_CLOCK_TOLERANCE_MS + 50) await new Promise((r) => setTimeout(r, 50))
  send()
  await client.waitFor(3)
  assert.equal(client.responses[2]!.status, 401, 'the remembered token expired: checked again, and refused')
})

test('heads node:http refuses are refused alike: a field name that is not a token (400), a head over 16 KiB even when it arrives whole (431)', async (t) => {
  const server = await serverWith(t, async (prepare) => echoFulfill(prepare))
  for (const [extra, status] of [
    [{ 'x bad': '1' }, 400],
    [{ 'x-b\u00e4d': '1' }, 400],
    [{ 'x-big': 'a'.repeat(17 * 1024) }, 431],
  ] as const) {
    const client = await rawClient(server.url)
    t.after(() => client.socket.destroy())
    client.socket.write(Buffer.from(request(packetBytes(contractPrepare()), extra).toString('latin1'), 'latin1'))
    await client.waitFor(1)
    assert.equal(client.responses[0]!.status, status, JSON.stringify(Object.keys(extra)))
    await client.closed
  }
  // The listener keeps serving.
  const client = await rawClient(server.url)
  t.after(() => client.socket.destroy())
  client.socket.write(request(packetBytes(contractPrepare())))
  await client.waitFor(1)
  assert.equal(client.responses[0]!.status, 200)
})

test('a peer that sends its requests and closes its side still gets every reply, on the fast path and on node:http', async (t) => {
  let handled = 0
  const server = await serverWith(t, async (prepare) => {
    handled++
    await new Promise((r) => setTimeout(r, 30))
    return echoFulfill(prepare)
  })
  const { port } = new URL(server.url)
  const chunked = (body: Uint8Array): Buffer => {
    const head = `POST /ilp HTTP/1.1\r\nHost: x\r\ncontent-type: application/octet-stream\r\nauthorization: Bearer ${TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n`
    return Buffer.concat([Buffer.from(head + body.length.toString(16) + '\r\n', 'latin1'), body, Buffer.from('\r\n0\r\n\r\n')])
  }
  // Plain requests (the fast path), then the same behind a chunked one (handed to node:http).
  for (const bytes of [
    Buffer.concat([0, 1, 2].map(() => request(packetBytes(contractPrepare())))),
    Buffer.concat([chunked(packetBytes(contractPrepare())), request(packetBytes(contractPrepare()))]),
  ]) {
    const socket = connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: true })
    t.after(() => socket.destroy())
    const chunks: Buffer[] = []
    socket.on('data', (d: Buffer) => chunks.push(d))
    await once(socket, 'connect')
    socket.end(bytes) // our side closes right after the requests
    await once(socket, 'end') // the server closes its side once it has answered
    const text = Buffer.concat(chunks).toString('latin1')
    const expected = bytes.toString('latin1').split('POST ').length - 1
    assert.equal((text.match(/HTTP\/1\.1 200 OK/g) ?? []).length, expected, text.slice(0, 200))
  }
  assert.equal(handled, 5)
})

test('sameSecret: equal strings only, whatever the lengths', () => {
  assert.equal(sameSecret('abc', 'abc'), true)
  assert.equal(sameSecret('', ''), true)
  for (const other of ['abd', 'ab', 'abcd', '', 'xbc', 'ABC', 'abc\0']) assert.equal(sameSecret('abc', other), false, other)
  assert.equal(sameSecret('', 'a'), false)
})
