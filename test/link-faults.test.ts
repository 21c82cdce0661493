/**
 * Hostile and failing peers against a node serving BTP and ILP over HTTP: a peer that vanishes with packets
 * in flight, a reconnect storm, a peer flooding past the in-flight limit, garbage on the wire. In every case
 * the packets in flight are rejected upstream, no balance moves, and the node keeps serving its other peers.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { WebSocket } from 'ws'
import { createNode, type IlpNode } from '../src/node/node.js'
import { parseConfig } from '../src/node/config.js'
import { createBtpClientLink, createBtpServer, createTokenAuthenticator, IlpPacketType, isFulfill, isReject, type IlpPrepare, type Link } from '../src/index.js'
import { BtpPacketType, authMessage, decodeBtpPacket, encodeBtpIlp, encodeBtpPacket } from '../src/link/btp/packet.js'
import { packetBytes } from '../src/ilp/packet.js'

const TOKENS = { sender: 'sender-token-0123456789abcdef0123456789abcd', receiver: 'receiver-token-0123456789abcdef0123456789ab', other: 'other-token-0123456789abcdef0123456789abcde' }
const fulfillment = randomBytes(32)
const condition = new Uint8Array(createHash('sha256').update(fulfillment).digest())

function prepare(destination: string, amount = 100n): IlpPrepare {
  return { type: IlpPacketType.Prepare, amount, expiresAt: new Date(Date.now() + 10_000), executionCondition: condition, destination, data: randomBytes(8) }
}

const fulfil = async (p: IlpPrepare) => ({ type: IlpPacketType.Fulfill as const, fulfillment: new Uint8Array(fulfillment), data: p.data })

async function startNode(t: { after(f: () => unknown): void }): Promise<{ node: IlpNode; url: (id: keyof typeof TOKENS) => string }> {
  const accounts = Object.entries(TOKENS).map(([id, token]) => ({ id, relation: 'child', min_balance: -1_000_000, btp: { incoming_token: token } }))
  const node = createNode(parseConfig({ ilp_address: 'test.router', store: 'memory', log_level: 'silent', admin: { listen: '127.0.0.1:0', token: 'admin-token-0123456789' }, btp: { listen: '127.0.0.1:0' }, accounts }))
  await node.start()
  t.after(() => node.stop())
  const port = new URL(node.listenerUrl('btp')!).port
  return { node, url: (id) => `btp+ws://${id}:${TOKENS[id]}@127.0.0.1:${port}` }
}

async function connect(t: { after(f: () => unknown): void }, url: string, handler?: Parameters<Link['handle']>[0]) {
  const link = createBtpClientLink({ url, reconnectFirstMs: 20, reconnectMaxMs: 100 })
  if (handler) link.handle(handler)
  t.after(() => link.close())
  await link.whenConnected()
  return link
}

function noBalanceMoved(node: IlpNode, ids: string[]): void {
  for (const id of ids) assert.deepEqual(node.ledger.snapshot(id), { balance: 0n, pendingIncoming: 0n, pendingOutgoing: 0n }, id)
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10))
  assert.ok(check(), what)
}

test('a receiver that drops its socket with packets in flight: T01 upstream, no balance moves, others still served', async (t) => {
  const { node, url } = await startNode(t)
  const sender = await connect(t, url('sender'))
  const receiver = await connect(t, url('receiver'), () => new Promise(() => {})) // never answers
  const other = await connect(t, url('other'), fulfil)
  await until(() => node.connector.getLink('receiver')?.connected === true, 'receiver attached')
  const inFlight = Array.from({ length: 20 }, () => sender.send(prepare('test.router.receiver.x')))
  await new Promise((r) => setTimeout(r, 50))
  await receiver.close()
  const replies = await Promise.all(inFlight)
  for (const reply of replies) {
    assert.ok(isReject(reply))
    assert.equal(reply.code, 'T01')
    assert.equal(reply.triggeredBy, 'test.router')
  }
  noBalanceMoved(node, ['sender', 'receiver'])
  // The node keeps serving: a packet to another peer is fulfilled and moves money.
  await until(() => node.connector.getLink('other')?.connected === true, 'other attached')
  assert.ok(isFulfill(await sender.send(prepare('test.router.other.y', 7n))))
  assert.equal(node.ledger.snapshot('other').balance, 7n)
  assert.equal(node.ledger.snapshot('sender').balance, -7n)
  assert.ok((await node.ledger.verify()).ok)
  void other
})

test('a reconnect storm (valid and wrong tokens) does not disturb a working peer', async (t) => {
  const { node, url } = await startNode(t)
  const sender = await connect(t, url('sender'))
  await connect(t, url('other'), fulfil)
  await until(() => node.connector.getLink('other')?.connected === true, 'other attached')
  const port = new URL(node.listenerUrl('btp')!).port
  const storm = Array.from({ length: 60 }, async (_, i) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`)
    await new Promise((resolve) => ws.once('open', resolve).once('error', resolve))
    if (ws.readyState === ws.OPEN) ws.send(encodeBtpPacket(authMessage(i, i % 2 === 0 ? 'wrong' : TOKENS.receiver, 'receiver')))
    await new Promise((r) => setTimeout(r, i % 5))
    ws.terminate()
  })
  const traffic = Array.from({ length: 200 }, () => sender.send(prepare('test.router.other.z', 1n)))
  await Promise.all(storm)
  const replies = await Promise.all(traffic)
  assert.ok(replies.every(isFulfill), 'every packet to the working peer was fulfilled')
  assert.equal(node.ledger.snapshot('other').balance, 200n)
  assert.ok((await node.ledger.verify()).ok)
})

test('a peer flooding past the in-flight limit is disconnected after the Prepares it sent before are answered; ours to it fail; other peers are served', async (t) => {
  const authenticate = createTokenAuthenticator([
    { accountId: 'flooder', token: 'f' },
    { accountId: 'good', token: 'g' },
  ])
  const server = await createBtpServer({ listen: { port: 0 }, authenticate, limits: { incomingInFlightMax: 10 } })
  t.after(() => server.close())
  let handled = 0
  server.link('flooder').handle(async (p) => {
    handled++
    await new Promise((r) => setTimeout(r, 100)) // as a connector forwarding them would take a while
    return fulfil(p)
  })
  server.link('good').handle(fulfil)
  const port = new URL(server.url).port
  const good = await connect(t, `btp+ws://good:g@127.0.0.1:${port}`)
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`)
  const closed = new Promise<number>((resolve) => ws.once('close', resolve))
  await new Promise((resolve) => ws.once('open', resolve))
  ws.send(encodeBtpPacket(authMessage(1, 'f', 'flooder')))
  await new Promise((resolve) => ws.once('message', resolve))
  const answers: number[] = []
  ws.on('message', (d: Buffer) => {
    const packet = decodeBtpPacket(d)
    if (packet.type === BtpPacketType.Response) answers.push(packet.requestId)
  })
  // The server's own packet to the flooder, in flight when the flooder is cut off, must fail too.
  const ours = server.link('flooder').send(prepare('test.flooder')).catch((err: unknown) => err)
  for (let i = 0; i < 50; i++) ws.send(encodeBtpIlp(BtpPacketType.Message, 100 + i, packetBytes(prepare('test.server'))))
  const ourFailure = (await ours) as { code?: string }
  assert.equal(ourFailure.code, 'LINK_DOWN', 'our packet to the flooder fails at once, before the drain ends')
  assert.equal(await closed, 1008)
  assert.equal(handled, 10)
  // The ten it sent within the limit were handled, so they are answered (Fulfills: payments) before the close.
  assert.deepEqual(answers.sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => 100 + i))
  assert.ok(isFulfill(await good.send(prepare('test.server'))))
})

test('garbage frames and an ilp entry that is not a Prepare', async (t) => {
  const server = await createBtpServer({ listen: { port: 0 }, authenticate: createTokenAuthenticator([{ accountId: 'p', token: 't' }]) })
  t.after(() => server.close())
  server.link('p').handle(fulfil)
  const ws = new WebSocket(`ws://127.0.0.1:${new URL(server.url).port}/`)
  const inbox: Buffer[] = []
  ws.on('message', (d: Buffer) => inbox.push(d))
  await new Promise((resolve) => ws.once('open', resolve))
  ws.send('a text frame is ignored')
  ws.send(encodeBtpPacket(authMessage(1, 't', 'p')))
  await until(() => inbox.length === 1, 'auth answered')
  // A Fulfill where a Prepare belongs: BTP Error F01, the socket stays up.
  ws.send(encodeBtpIlp(BtpPacketType.Message, 2, packetBytes(await fulfil(prepare('test.x')))))
  await until(() => inbox.length === 2, 'error answered')
  const error = decodeBtpPacket(inbox[1]!)
  assert.equal(error.type, BtpPacketType.Error)
  if (error.type === BtpPacketType.Error) assert.equal(error.code, 'F01')
  ws.send(encodeBtpIlp(BtpPacketType.Message, 3, packetBytes(prepare('test.x'))))
  await until(() => inbox.length === 3, 'prepare answered')
  assert.equal(decodeBtpPacket(inbox[2]!).type, BtpPacketType.Response)
  ws.close()
})

test('a peer that stops answering pings is cut off and its packets in flight fail', async (t) => {
  const server = await createBtpServer({
    listen: { port: 0 },
    authenticate: createTokenAuthenticator([{ accountId: 'mute', token: 'm' }]),
    limits: { pingIntervalMs: 50, tickMs: 10 },
  })
  t.after(() => server.close())
  // autoPong off: the socket stays open but never answers a ping, like a peer behind a dead NAT entry.
  const ws = new WebSocket(`ws://127.0.0.1:${new URL(server.url).port}/`, { autoPong: false })
  const closed = new Promise<number>((resolve) => ws.once('close', resolve))
  await new Promise((resolve) => ws.once('open', resolve))
  ws.send(encodeBtpPacket(authMessage(1, 'm', 'mute')))
  await new Promise((resolve) => ws.once('message', resolve))
  const link = server.link('mute')
  const inFlight = link.send(prepare('test.mute')).catch((err: unknown) => err)
  assert.equal(await closed, 1008)
  assert.equal(((await inFlight) as { code?: string }).code, 'LINK_DOWN')
  assert.equal(link.connected, false)
})

test('an unreadable frame quoting non-ASCII bytes closes only that socket', async (t) => {
  // The decoder's message quotes the bad time text. The close reason sent to the peer is a fixed ASCII text,
  // because a WebSocket close reason over 123 bytes throws inside the socket's message handler.
  const server = await createBtpServer({ listen: { port: 0 }, authenticate: createTokenAuthenticator([{ accountId: 'p', token: 't' }]) })
  t.after(() => server.close())
  const ws = new WebSocket(`ws://127.0.0.1:${new URL(server.url).port}/`)
  const closed = new Promise<number>((resolve) => ws.once('close', resolve))
  await new Promise((resolve) => ws.once('open', resolve))
  ws.send(encodeBtpPacket(authMessage(1, 't', 'p')))
  await new Promise((resolve) => ws.once('message', resolve))
  const contents = Buffer.concat([Buffer.from('T00'), Buffer.from([1, 0x78, 19]), Buffer.alloc(19, 0xff), Buffer.from([0, 1, 0])])
  ws.send(Buffer.concat([Buffer.from([2, 0, 0, 3, 0xe7, contents.length]), contents]))
  assert.equal(await closed, 1002)
  const again = new WebSocket(`ws://127.0.0.1:${new URL(server.url).port}/`)
  await new Promise((resolve) => again.once('open', resolve))
  again.close()
})
