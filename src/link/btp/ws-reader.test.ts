import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { once } from 'node:events'
import { WebSocket, WebSocketServer } from 'ws'
import { encodeFrames } from './ws-frames.js'
import { readBinaryFramesFast } from './ws-reader.js'

const MAX_PAYLOAD = 1024

interface Server {
  url: string
  port: number
  /** Binary messages the server got, in order, and by which path. */
  received: { data: string; path: 'fast' | 'ws' }[]
  installed: boolean[]
  close(): Promise<void>
}

async function startServer(): Promise<Server> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: MAX_PAYLOAD, perMessageDeflate: false })
  await once(wss, 'listening')
  const port = (wss.address() as AddressInfo).port
  const server: Server = {
    url: `ws://127.0.0.1:${port}`,
    port,
    received: [],
    installed: [],
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate()
        wss.close(() => resolve())
      }),
  }
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      if (isBinary) server.received.push({ data: Buffer.from(data as Buffer).toString(), path: 'ws' })
    })
    ws.on('error', () => undefined) // ws reports what it refused here (the BTP session logs it)
    server.installed.push(readBinaryFramesFast(ws, (bytes, start, end) => server.received.push({ data: Buffer.from(bytes.subarray(start, end)).toString(), path: 'fast' })))
  })
  return server
}

const until = async (done: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 5))
}

test('binary frames take the fast path; pings, fragments and text go through ws, all in order', async (t) => {
  const server = await startServer()
  t.after(() => server.close())
  const ws = new WebSocket(server.url, { perMessageDeflate: false })
  await once(ws, 'open')
  t.after(() => ws.terminate())
  let pongs = 0
  ws.on('pong', () => pongs++)
  ws.send(Buffer.from('a'))
  ws.ping()
  ws.send(Buffer.from('b1'), { fin: false })
  ws.send(Buffer.from('b2'), { fin: true })
  ws.send('text is ignored by BTP')
  ws.send(Buffer.from('c'))
  ws.send(Buffer.alloc(300, 'd'))
  await until(() => server.received.length === 4 && pongs === 1)
  assert.deepEqual(server.installed, [true])
  assert.deepEqual(
    server.received.map((m) => m.data),
    ['a', 'b1b2', 'c', 'd'.repeat(300)],
  )
  assert.equal(pongs, 1, 'ws answered the ping')
  assert.ok(server.received.some((m) => m.path === 'fast'))
  assert.equal(server.received.find((m) => m.data === 'b1b2')?.path, 'ws', 'a fragmented message is ws’s')
})

/** A raw client: the handshake by hand, then whatever bytes the test writes. */
async function rawClient(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.setNoDelay(true)
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  )
  let head = ''
  while (!head.includes('\r\n\r\n')) head += ((await once(socket, 'data')) as [Buffer])[0].toString('latin1')
  assert.match(head, /^HTTP\/1.1 101/)
  return socket
}

test('frames cut anywhere across reads are put back together', async (t) => {
  const server = await startServer()
  t.after(() => server.close())
  const socket = await rawClient(server.port)
  t.after(() => socket.destroy())
  const payloads = ['x', 'y'.repeat(125), 'z'.repeat(126), 'w'.repeat(1000)].map((s) => Buffer.from(s))
  const bytes = encodeFrames(payloads, true)
  // Byte by byte for the first frames, then in odd-sized pieces.
  let at = 0
  for (const size of [1, 1, 1, 1, 1, 1, 2, 3, 5, 7, 11, 13, 64, 100, 333]) {
    socket.write(bytes.subarray(at, at + size))
    at += size
    await new Promise((r) => setTimeout(r, 2))
  }
  socket.write(bytes.subarray(at))
  await until(() => server.received.length === payloads.length)
  assert.deepEqual(
    server.received.map((m) => m.data),
    payloads.map((p) => p.toString()),
  )
  assert.ok(server.received.every((m) => m.path === 'fast'), 'carried over reads, not handed to ws')
})

/** The close code of the first close frame the server sends on `socket` (an unmasked frame: 88 len code…). */
async function closeCodeFrom(socket: Socket): Promise<number> {
  let got = Buffer.alloc(0)
  for (;;) {
    const at = got.indexOf(0x88)
    if (at >= 0 && got.length >= at + 4) return got.readUInt16BE(at + 2)
    const [chunk] = (await once(socket, 'data')) as [Buffer]
    got = Buffer.concat([got, chunk])
  }
}

test('a frame over maxPayload and an unmasked client frame are ws’s to refuse (1009, 1002)', async (t) => {
  const server = await startServer()
  t.after(() => server.close())
  const big = await rawClient(server.port)
  t.after(() => big.destroy())
  big.write(Buffer.concat([encodeFrames([Buffer.from('ok')], true), encodeFrames([Buffer.alloc(MAX_PAYLOAD + 1)], true)]))
  assert.equal(await closeCodeFrom(big), 1009)
  const unmasked = await rawClient(server.port)
  t.after(() => unmasked.destroy())
  unmasked.write(encodeFrames([Buffer.from('no mask')], false))
  assert.equal(await closeCodeFrom(unmasked), 1002)
  assert.deepEqual(
    server.received.map((m) => m.data),
    ['ok'],
  )
})
