import { test } from 'node:test'
import assert from 'node:assert/strict'
import { WebSocket } from 'ws'
import { checkCallbackAnswers, runLinkContract, contractPrepare, echoFulfill } from '../link-contract.js'
import { createTokenAuthenticator } from '../tokens.js'
import { LinkError } from '../types.js'
import { decodePrepare, isFulfill, patchPrepare, type IlpPrepare, type IlpReply } from '../../ilp/index.js'
import { createBtpServer, type BtpServerOptions } from './server.js'
import { createBtpClientLink } from './client.js'
import { BtpPacketType, authMessage, decodeBtpPacket, encodeBtpIlp, encodeBtpPacket } from './packet.js'
import { packetBytes } from '../../ilp/packet.js'

const TOKEN = 'alice-secret-0123456789abcdef0123456789abcdef'

async function setup(extra: Partial<BtpServerOptions> = {}) {
  const server = await createBtpServer({
    listen: { port: 0 },
    authenticate: createTokenAuthenticator([{ accountId: 'alice', token: TOKEN }]),
    ...extra,
  })
  const port = new URL(server.url).port
  const a = createBtpClientLink({ url: `btp+ws://alice:${TOKEN}@127.0.0.1:${port}/`, reconnectFirstMs: 10, reconnectMaxMs: 100 })
  const b = server.link('alice')
  await a.whenConnected()
  return {
    a,
    b,
    server,
    port,
    async close() {
      await a.close()
      await server.close()
    },
  }
}

runLinkContract('BTP over WebSocket (client ↔ server)', () => setup())

/** A raw WebSocket to the server, for speaking broken BTP on purpose. */
async function rawSocket(port: string): Promise<{ ws: WebSocket; next(): Promise<Buffer>; closed: Promise<number> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`)
  const inbox: Buffer[] = []
  const waiting: ((b: Buffer) => void)[] = []
  ws.on('message', (data: Buffer) => (waiting.shift() ?? ((b: Buffer) => inbox.push(b)))(data))
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  return { ws, next: () => (inbox.length > 0 ? Promise.resolve(inbox.shift()!) : new Promise((resolve) => waiting.push(resolve))), closed }
}

test('BTP server: a wrong token gets a BTP Error and a close; other peers keep working', async (t) => {
  const p = await setup()
  t.after(() => p.close())
  p.b.handle(async (prepare) => echoFulfill(prepare))
  const raw = await rawSocket(p.port)
  raw.ws.send(encodeBtpPacket(authMessage(7, 'wrong', 'alice')))
  const answer = decodeBtpPacket(await raw.next())
  assert.equal(answer.type, BtpPacketType.Error)
  assert.equal(answer.requestId, 7)
  assert.equal(await raw.closed, 1008)
  assert.ok(isFulfill(await p.a.send(contractPrepare())))
})

test('BTP server: anything but auth first is refused; a silent socket is closed after the auth timeout', async (t) => {
  const p = await setup({ authTimeoutMs: 100 })
  t.after(() => p.close())
  const early = await rawSocket(p.port)
  early.ws.send(encodeBtpIlp(BtpPacketType.Message, 9, packetBytes(contractPrepare())))
  assert.equal(decodeBtpPacket(await early.next()).type, BtpPacketType.Error)
  assert.equal(await early.closed, 1008)
  const silent = await rawSocket(p.port)
  assert.equal(decodeBtpPacket(await silent.next()).type, BtpPacketType.Error)
  assert.equal(await silent.closed, 1008)
})

test('BTP: a peer sending a malformed frame is disconnected and its packets in flight fail', async (t) => {
  const p = await setup()
  t.after(() => p.close())
  const raw = await rawSocket(p.port)
  raw.ws.send(encodeBtpPacket(authMessage(1, TOKEN, 'alice')))
  assert.equal(decodeBtpPacket(await raw.next()).type, BtpPacketType.Response)
  // The raw socket is now alice's session (the client link's socket was replaced).
  const inFlight = p.b.send(contractPrepare()).catch((err: unknown) => err)
  decodeBtpPacket(await raw.next()) // the Prepare arrived; never answer it
  raw.ws.send(new Uint8Array([6, 0, 0, 0, 1, 0x85])) // truncated
  assert.equal(await raw.closed, 1002)
  const err = await inFlight
  assert.ok(err instanceof LinkError && err.code === 'LINK_DOWN')
})

test('BTP: a peer that sends a malformed frame behind its Prepares gets their answers, then the close', async (t) => {
  const p = await setup()
  t.after(() => p.close())
  p.b.handle(async (prepare) => {
    await new Promise((r) => setTimeout(r, 50)) // still being handled when the bad frame comes
    return echoFulfill(prepare)
  })
  await p.a.close() // the client link would dial again and take alice's place from the raw socket
  const raw = await rawSocket(p.port)
  raw.ws.send(encodeBtpPacket(authMessage(1, TOKEN, 'alice')))
  assert.equal(decodeBtpPacket(await raw.next()).type, BtpPacketType.Response)
  for (const id of [7, 8]) raw.ws.send(encodeBtpIlp(BtpPacketType.Message, id, packetBytes(contractPrepare())))
  raw.ws.send(new Uint8Array([6, 0, 0, 0, 1, 0x85])) // truncated
  raw.ws.send(encodeBtpIlp(BtpPacketType.Message, 9, packetBytes(contractPrepare()))) // after it: ignored
  const answers = [decodeBtpPacket(await raw.next()), decodeBtpPacket(await raw.next())]
  assert.deepEqual(answers.map((a) => [a.type, a.requestId]).sort(), [[BtpPacketType.Response, 7], [BtpPacketType.Response, 8]])
  assert.equal(await raw.closed, 1002)
})

test('BTP: an oversized frame closes the socket (maxPayload) and the client reconnects', async (t) => {
  const p = await setup()
  t.after(() => p.close())
  p.b.handle(async (prepare) => echoFulfill(prepare))
  const raw = await rawSocket(p.port)
  raw.ws.send(encodeBtpPacket(authMessage(1, TOKEN, 'alice')))
  await raw.next()
  raw.ws.send(new Uint8Array(200_000))
  assert.equal(await raw.closed, 1009)
  // alice's own client was displaced by the raw socket; it comes back by itself.
  await p.a.whenConnected()
  for (let i = 0; i < 50 && !p.b.connected; i++) await new Promise((r) => setTimeout(r, 10))
  assert.ok(isFulfill(await p.a.send(contractPrepare())))
})

test('BTP client: send fails LINK_DOWN while down, then reconnects and re-authenticates', async (t) => {
  const p = await setup()
  t.after(() => p.close())
  p.b.handle(async (prepare) => echoFulfill(prepare))
  let connects = 0
  const server2 = await createBtpServer({
    listen: { port: 0 },
    authenticate: createTokenAuthenticator([{ accountId: 'alice', token: TOKEN }]),
    onLink: () => connects++,
  })
  t.after(() => server2.close())
  const port2 = new URL(server2.url).port
  const client = createBtpClientLink({ url: `btp+ws://alice:${TOKEN}@127.0.0.1:${port2}/`, reconnectFirstMs: 300, reconnectMaxMs: 300 })
  t.after(() => client.close())
  await client.whenConnected()
  server2.link('alice').handle(async (prepare) => echoFulfill(prepare))
  assert.equal(connects, 1)
  // Drop the server side of the socket: the client must notice, fail sends, and come back.
  await server2.link('alice').close()
  await new Promise((r) => setTimeout(r, 20))
  await assert.rejects(client.send(contractPrepare()), (err: unknown) => err instanceof LinkError && err.code === 'LINK_DOWN')
  await client.whenConnected()
  assert.equal(connects, 2)
  server2.link('alice').handle(async (prepare) => echoFulfill(prepare))
  assert.ok(isFulfill(await client.send(contractPrepare())))
})

test('BTP: a reply to no request is dropped; a Transfer gets NotAcceptedError', async (t) => {
  const p = await setup()
  t.after(() => p.close())
  const raw = await rawSocket(p.port)
  raw.ws.send(encodeBtpPacket(authMessage(1, TOKEN, 'alice')))
  await raw.next()
  raw.ws.send(encodeBtpIlp(BtpPacketType.Response, 12345, packetBytes(echoFulfill(contractPrepare()))))
  raw.ws.send(encodeBtpPacket({ type: BtpPacketType.Transfer, requestId: 5, amount: 10n, protocolData: [] }))
  const answer = decodeBtpPacket(await raw.next())
  assert.equal(answer.type, BtpPacketType.Error)
  assert.equal(answer.requestId, 5)
  if (answer.type === BtpPacketType.Error) assert.equal(answer.name, 'NotAcceptedError')
  raw.ws.close()
})

test('BTP server: an authenticator that throws refuses the socket; the server keeps running', async (t) => {
  const server = await createBtpServer({
    listen: { port: 0 },
    authenticate: () => {
      throw new Error('account store unavailable')
    },
  })
  t.after(() => server.close())
  const raw = await rawSocket(new URL(server.url).port)
  raw.ws.send(encodeBtpPacket(authMessage(3, TOKEN, 'alice')))
  const answer = decodeBtpPacket(await raw.next())
  assert.equal(answer.type, BtpPacketType.Error)
  assert.equal(await raw.closed, 1008)
  const again = await rawSocket(new URL(server.url).port)
  again.ws.close()
})

test('BTP sendThen: a forwarded Prepare goes out with its new amount and expiry; done is called once per send', async (t) => {
  const p = await setup()
  t.after(() => p.close())
  const seen: IlpPrepare[] = []
  p.b.handle(async (prepare) => {
    seen.push(prepare)
    return echoFulfill(prepare)
  })
  const incoming = decodePrepare(packetBytes(contractPrepare()))
  const expiresAt = new Date(incoming.expiresAt.getTime() - 1000)
  const outgoing = patchPrepare(incoming, 7n, expiresAt)
  const outcomes: (IlpReply | LinkError)[] = []
  await new Promise<void>((resolve) =>
    p.a.sendThen!(outgoing, (reply, err) => {
      outcomes.push(reply ?? err!)
      resolve()
    }),
  )
  assert.equal(outcomes.length, 1)
  assert.ok(isFulfill(outcomes[0] as IlpReply))
  assert.equal(seen[0]!.amount, 7n)
  assert.equal(seen[0]!.expiresAt.getTime(), expiresAt.getTime())
  assert.equal(Buffer.from(seen[0]!.data).toString('hex'), Buffer.from(incoming.data).toString('hex'))

  // A Prepare that cannot be encoded throws, queues nothing and never calls done.
  assert.throws(() => p.a.sendThen!({ ...incoming, amount: 2n ** 64n }, () => assert.fail('done called')), /not a UInt64/)
  // A done that throws is logged; the link keeps working.
  await new Promise<void>((resolve) =>
    p.a.sendThen!(patchPrepare(incoming, 8n, expiresAt), () => {
      resolve()
      throw new Error('a careless callback')
    }),
  )
  assert.ok(isFulfill(await p.a.send(contractPrepare())))
  assert.deepEqual(seen.map((s) => s.amount).slice(0, 2), [7n, 8n])

  await p.a.close()
  let closedWith: LinkError | undefined
  p.a.sendThen!(contractPrepare(), (reply, err) => {
    assert.equal(reply, undefined)
    closedWith = err
  })
  assert.equal(closedWith?.code, 'LINK_CLOSED', 'a closed link answers at once')
})

test('BTP handle with a callback: the link answers through it; a reply it cannot encode is a BTP Error, not a crash', async (t) => {
  const p = await setup()
  t.after(() => p.close())
  await checkCallbackAnswers(p)
})
