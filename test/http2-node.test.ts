/**
 * ILP over HTTP/2 through a node: a sender posts over HTTP/2 (prior knowledge) to the node's HTTP port, and the
 * node forwards to a next hop whose account sets `http.http2`. Amounts and balances add up; a next hop that
 * drops its HTTP/2 connection with packets in flight costs nothing.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { createServer as createHttp2Server, type ServerHttp2Session } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { createNode } from '../src/node/node.js'
import { parseConfig } from '../src/node/config.js'
import { createHttpLink, createHttpLinkServer, createTokenAuthenticator, encodeIlpPacket, IlpPacketType, isReject, type IlpPrepare } from '../src/index.js'

const SENDER_TOKEN = 'sender-token-0123456789abcdef0123456789abcd'
const RECEIVER_TOKEN = 'to-receiver-0123456789abcdef0123456789abcd'
const fulfillment = randomBytes(32)
const condition = new Uint8Array(createHash('sha256').update(fulfillment).digest())
type After = { after(f: () => unknown): void }

const prepare = (amount: bigint): IlpPrepare => ({
  type: IlpPacketType.Prepare,
  amount,
  expiresAt: new Date(Date.now() + 10_000),
  executionCondition: condition,
  destination: 'test.router.receiver.x',
  data: randomBytes(8),
})

/** Our HTTP link server as the next hop, fulfilling every Prepare after `onPrepare`. */
async function ourReceiver(t: After, onPrepare: (prepare: IlpPrepare) => void): Promise<string> {
  const server = await createHttpLinkServer({ listen: { port: 0 }, authenticate: createTokenAuthenticator([{ accountId: 'router', token: RECEIVER_TOKEN }]) })
  t.after(() => server.close())
  const receiver = createHttpLink({ accountId: 'router', server })
  receiver.handle(async (p) => {
    onPrepare(p)
    return { type: IlpPacketType.Fulfill, fulfillment: new Uint8Array(fulfillment), data: p.data }
  })
  return `${server.url}/ilp`
}

async function setup(t: After, receiverUrl: string) {
  const accounts = [
    { id: 'sender', relation: 'child', min_balance: -1_000_000, http: { incoming_token: SENDER_TOKEN } },
    { id: 'receiver', relation: 'child', min_balance: -1_000_000, http: { url: receiverUrl, outgoing_token: RECEIVER_TOKEN, http2: true } },
  ]
  const node = createNode(parseConfig({ ilp_address: 'test.router', store: 'memory', log_level: 'silent', http: { listen: '127.0.0.1:0' }, accounts }))
  await node.start()
  t.after(() => node.stop())
  const sender = createHttpLink({ accountId: 'router', url: `${node.listenerUrl('http')!}/accounts/sender/ilp`, outgoingToken: SENDER_TOKEN, http2: true })
  t.after(() => sender.close())
  return { node, sender }
}

test('HTTP/2 on both sides of a node: packets in flight are fulfilled, amounts and balances add up', async (t) => {
  const amounts: bigint[] = []
  const { node, sender } = await setup(t, await ourReceiver(t, (p) => void amounts.push(p.amount)))
  const sent = Array.from({ length: 200 }, (_, i) => BigInt(i + 1))
  const replies = await Promise.all(sent.map((amount) => sender.send(prepare(amount))))
  assert.ok(replies.every((r) => r.type === IlpPacketType.Fulfill))
  const total = sent.reduce((a, b) => a + b, 0n)
  assert.deepEqual([...amounts].sort((a, b) => (a < b ? -1 : 1)), sent, 'every amount forwarded once, unchanged (no rate, no fee)')
  assert.deepEqual(node.ledger.snapshot('sender'), { balance: -total, pendingIncoming: 0n, pendingOutgoing: 0n })
  assert.deepEqual(node.ledger.snapshot('receiver'), { balance: total, pendingIncoming: 0n, pendingOutgoing: 0n })
})

test('HTTP/2 next hop that drops its connection with packets in flight: T01 upstream, no balance moves, the next packets go through', async (t) => {
  // A raw HTTP/2 next hop: holds the first five requests, then drops its connections.
  const sessions = new Set<ServerHttp2Session>()
  let requests = 0
  const fulfill = Buffer.from(encodeIlpPacket({ type: IlpPacketType.Fulfill, fulfillment, data: new Uint8Array(0) }))
  const next = createHttp2Server()
  next.on('session', (session) => {
    sessions.add(session)
    session.on('error', () => {})
  })
  next.on('stream', (stream) => {
    stream.on('error', () => {})
    stream.resume()
    stream.on('end', () => {
      if (++requests <= 5) return // held
      stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' })
      stream.end(fulfill)
    })
  })
  await new Promise<void>((resolve) => next.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => next.close(() => resolve())))
  const { node, sender } = await setup(t, `http://127.0.0.1:${(next.address() as AddressInfo).port}/ilp`)
  const inFlight = Array.from({ length: 5 }, () => sender.send(prepare(100n)))
  while (requests < 5) await new Promise((r) => setTimeout(r, 5))
  for (const session of sessions) session.destroy()
  const replies = await Promise.all(inFlight)
  assert.ok(replies.every((r) => isReject(r) && r.code === 'T01' && r.triggeredBy === 'test.router'), JSON.stringify(replies.map((r) => isReject(r) && r.code)))
  for (const id of ['sender', 'receiver']) assert.deepEqual(node.ledger.snapshot(id), { balance: 0n, pendingIncoming: 0n, pendingOutgoing: 0n }, id)
  const after = await sender.send(prepare(7n))
  assert.equal(after.type, IlpPacketType.Fulfill)
  assert.deepEqual(node.ledger.snapshot('sender'), { balance: -7n, pendingIncoming: 0n, pendingOutgoing: 0n })
  assert.deepEqual(node.ledger.snapshot('receiver'), { balance: 7n, pendingIncoming: 0n, pendingOutgoing: 0n })
})
