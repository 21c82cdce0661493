/**
 * JWT_HS_256 (rfcs proposals/0000-http-auth-profiles.md) through a node: the sender authenticates with JWTs it
 * derives from a secret shared with the node (`http.incoming_jwt_secret`), and the node does the same towards
 * the next hop (`http.outgoing_jwt_secret`). The admin API never shows the secrets.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { createNode } from '../src/node/node.js'
import { parseConfig } from '../src/node/config.js'
import { createHttpLink, createHttpLinkServer, createTokenAuthenticator, IlpPacketType, isReject, type IlpPrepare } from '../src/index.js'

const SENDER_SECRET = 'sender-jwt-secret-0123456789abcdef0123456789'
const RECEIVER_SECRET = 'receiver-jwt-secret-0123456789abcdef01234567'
const ADMIN = 'admin-token-0123456789'
const fulfillment = randomBytes(32)
const condition = new Uint8Array(createHash('sha256').update(fulfillment).digest())

const prepare = (amount: bigint): IlpPrepare => ({
  type: IlpPacketType.Prepare,
  amount,
  expiresAt: new Date(Date.now() + 10_000),
  executionCondition: condition,
  destination: 'test.router.receiver.x',
  data: randomBytes(8),
})

test('JWTs on both sides of a node: packets are fulfilled and paid; a wrong secret gets F00; the admin API hides the secrets', async (t) => {
  const receiverServer = await createHttpLinkServer({ listen: { port: 0 }, authenticate: createTokenAuthenticator([], [{ accountId: 'router', jwtSecret: RECEIVER_SECRET }]) })
  t.after(() => receiverServer.close())
  const receiver = createHttpLink({ accountId: 'router', server: receiverServer })
  receiver.handle(async (p) => ({ type: IlpPacketType.Fulfill, fulfillment: new Uint8Array(fulfillment), data: p.data }))
  const accounts = [
    { id: 'sender', relation: 'child', min_balance: -1_000_000, http: { incoming_jwt_secret: SENDER_SECRET } },
    { id: 'receiver', relation: 'child', min_balance: -1_000_000, http: { url: `${receiverServer.url}/accounts/router/ilp`, outgoing_jwt_secret: RECEIVER_SECRET } },
  ]
  const node = createNode(
    parseConfig({ ilp_address: 'test.router', store: 'memory', log_level: 'silent', admin: { listen: '127.0.0.1:0', token: ADMIN }, http: { listen: '127.0.0.1:0' }, accounts }),
  )
  await node.start()
  t.after(() => node.stop())
  const url = `${node.listenerUrl('http')!}/accounts/sender/ilp`
  const sender = createHttpLink({ accountId: 'router', url, outgoingJwtSecret: SENDER_SECRET })
  t.after(() => sender.close())
  const replies = await Promise.all(Array.from({ length: 50 }, () => sender.send(prepare(10n))))
  assert.ok(replies.every((r) => r.type === IlpPacketType.Fulfill), JSON.stringify(replies.filter(isReject)[0]))
  assert.deepEqual(node.ledger.snapshot('sender'), { balance: -500n, pendingIncoming: 0n, pendingOutgoing: 0n })
  assert.deepEqual(node.ledger.snapshot('receiver'), { balance: 500n, pendingIncoming: 0n, pendingOutgoing: 0n })

  const overHttp2 = createHttpLink({ accountId: 'router', url, outgoingJwtSecret: SENDER_SECRET, http2: true })
  t.after(() => overHttp2.close())
  assert.equal((await overHttp2.send(prepare(10n))).type, IlpPacketType.Fulfill, 'JWTs over HTTP/2 too')
  assert.equal(node.ledger.snapshot('sender').balance, -510n)

  const forger = createHttpLink({ accountId: 'router', url, outgoingJwtSecret: 'not-the-secret-0123456789abcdef0123456789ab' })
  t.after(() => forger.close())
  const refused = await forger.send(prepare(10n))
  assert.ok(isReject(refused) && refused.code === 'F00' && /401/.test(refused.message), JSON.stringify(refused))
  assert.equal(node.ledger.snapshot('sender').balance, -510n, 'nothing moved')

  const shown = (await (await fetch(`${node.adminUrl!}/accounts/receiver`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { http: unknown }
  assert.deepEqual(shown.http, { url: `${receiverServer.url}/accounts/router/ilp` })
})
