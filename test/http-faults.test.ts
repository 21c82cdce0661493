/**
 * ILP over HTTP against failing peers, through a node: the next hop drops its connection with packets in flight,
 * or never answers. The packets fail upstream (T01 / T00 as for any lost link), no balance moves, and the node
 * keeps serving. Run with and without outgoing pipelining.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { createNode, type IlpNode } from '../src/node/node.js'
import { parseConfig } from '../src/node/config.js'
import { createHttpLink, encodeIlpPacket, IlpPacketType, isReject, type IlpPrepare } from '../src/index.js'
import { headEnd, parseRequestHead } from '../src/link/http/http1.js'

const TOKEN = 'sender-token-0123456789abcdef0123456789abcd'
const fulfillment = randomBytes(32)
const condition = new Uint8Array(createHash('sha256').update(fulfillment).digest())
type After = { after(f: () => unknown): void }

const prepare = (expiresInMs = 10_000): IlpPrepare => ({
  type: IlpPacketType.Prepare,
  amount: 100n,
  expiresAt: new Date(Date.now() + expiresInMs),
  executionCondition: condition,
  destination: 'test.router.receiver.x',
  data: randomBytes(8),
})

/** A next hop that reads requests and calls `onRequest` for each (counting from 0); it answers nothing itself. */
async function peer(t: After, onRequest: (socket: Socket, index: number) => void): Promise<string> {
  const sockets: Socket[] = []
  let index = 0
  const server = createServer((socket) => {
    sockets.push(socket)
    socket.on('error', () => {})
    let buf = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      for (let end = headEnd(buf, 0, 0, buf.length); end > 0; end = headEnd(buf, 0, 0, buf.length)) {
        const length = Math.max(parseRequestHead(buf, 0, end).contentLength, 0)
        if (end + length > buf.length) return
        buf = buf.subarray(end + length)
        onRequest(socket, index++)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    for (const s of sockets) s.destroy()
    server.close()
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/ilp`
}

async function startNode(t: After, receiverUrl: string, pipelining: number, connections?: number): Promise<{ node: IlpNode; url: string }> {
  const accounts = [
    { id: 'sender', relation: 'child', min_balance: -1_000_000, http: { incoming_token: TOKEN } },
    { id: 'receiver', relation: 'child', min_balance: -1_000_000, http: { url: receiverUrl, outgoing_token: 'to-receiver', pipelining, ...(connections !== undefined && { connections }) } },
  ]
  const node = createNode(
    parseConfig({ ilp_address: 'test.router', store: 'memory', log_level: 'silent', admin: { listen: '127.0.0.1:0', token: 'admin-token-0123456789' }, http: { listen: '127.0.0.1:0' }, accounts }),
  )
  await node.start()
  t.after(() => node.stop())
  return { node, url: `${node.listenerUrl('http')!}/accounts/sender/ilp` }
}

function noBalanceMoved(node: IlpNode): void {
  for (const id of ['sender', 'receiver']) assert.deepEqual(node.ledger.snapshot(id), { balance: 0n, pendingIncoming: 0n, pendingOutgoing: 0n }, id)
}

for (const pipelining of [1, 8]) {
  test(`HTTP next hop drops its connection with packets in flight (pipelining ${pipelining}): T01 upstream, no balance moves`, async (t) => {
    const dropAt = 9
    const held: Socket[] = []
    const receiverUrl = await peer(t, (socket, index) => {
      held.push(socket)
      if (index === dropAt) for (const s of held) s.destroy()
    })
    const { node, url } = await startNode(t, receiverUrl, pipelining)
    const sender = createHttpLink({ accountId: 'router', url, outgoingToken: TOKEN, pipelining: 16, connections: 1 })
    t.after(() => sender.close())
    const replies = await Promise.all(Array.from({ length: dropAt + 1 }, () => sender.send(prepare())))
    assert.ok(replies.every((r) => isReject(r) && r.code === 'T01' && r.triggeredBy === 'test.router'), JSON.stringify(replies.map((r) => isReject(r) && r.code)))
    noBalanceMoved(node)
  })

  test(`HTTP next hop that never answers (pipelining ${pipelining}): every packet fails by its expiry, no balance moves`, async (t) => {
    const receiverUrl = await peer(t, () => {})
    const { node, url } = await startNode(t, receiverUrl, pipelining)
    const sender = createHttpLink({ accountId: 'router', url, outgoingToken: TOKEN, pipelining: 16, connections: 1 })
    t.after(() => sender.close())
    const started = Date.now()
    const replies = await Promise.all(Array.from({ length: 5 }, () => sender.send(prepare(3000))))
    // R00 from the connector's expiry timer, or T00/T01 when the link's own deadline (the same expiry) fires first.
    assert.ok(replies.every((r) => isReject(r) && ['R00', 'T00', 'T01'].includes(r.code)), JSON.stringify(replies.map((r) => isReject(r) && r.code)))
    assert.ok(Date.now() - started < 6000)
    noBalanceMoved(node)
  })
}

test('HTTP next hop, pipelined, whose first reply comes after its expiry: the Fulfills queued behind it are relayed and paid', async (t) => {
  // The next hop holds the first request's reply past that packet's expiry, then sends every reply in order
  // (Fulfills, the late first one included). Failing the packets behind the late head when it expired would
  // drop Fulfills the next hop sent in time: it would count them paid, and this node would not.
  const fulfill = Buffer.from(encodeIlpPacket({ type: IlpPacketType.Fulfill, fulfillment, data: new Uint8Array(0) }))
  const reply = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${fulfill.length}\r\n\r\n`, 'latin1'), fulfill])
  const behind = 8 // over the router's 4 pipelined connections: some go behind the first on its connection
  let slow: Socket | undefined
  let heldBack = 0
  const receiverUrl = await peer(t, (socket, index) => {
    if (index === 0) {
      slow = socket
      setTimeout(() => socket.write(Buffer.concat(Array.from({ length: heldBack + 1 }, () => reply))), 3500)
    } else if (socket === slow) heldBack++
    else setTimeout(() => socket.write(reply), 300) // busy long enough that the router also uses the slow one
  })
  const { node, url } = await startNode(t, receiverUrl, 8)
  const sender = createHttpLink({ accountId: 'router', url, outgoingToken: TOKEN, pipelining: 16, connections: 1 })
  t.after(() => sender.close())
  const sends = [sender.send(prepare(3000))]
  for (let i = 0; i < behind; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10)) // one at a time: each goes to the least busy connection
    sends.push(sender.send(prepare(10_000)))
  }
  const replies = await Promise.all(sends)
  assert.ok(isReject(replies[0]!) && ['R00', 'T00'].includes(replies[0].code), `the late one fails: ${JSON.stringify(replies[0])}`)
  assert.ok(replies.slice(1).every((r) => r.type === IlpPacketType.Fulfill), JSON.stringify(replies.map((r) => r.type)))
  assert.ok(heldBack > 0, 'some packets were behind the late one')
  const paid = BigInt(behind) * 100n
  assert.deepEqual(node.ledger.snapshot('sender'), { balance: -paid, pendingIncoming: 0n, pendingOutgoing: 0n })
  assert.deepEqual(node.ledger.snapshot('receiver'), { balance: paid, pendingIncoming: 0n, pendingOutgoing: 0n })
})

test('http.connections bounds the connections to the next hop: 1 with pipelining carries every packet', async (t) => {
  const fulfill = Buffer.from(encodeIlpPacket({ type: IlpPacketType.Fulfill, fulfillment, data: new Uint8Array(0) }))
  const reply = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${fulfill.length}\r\n\r\n`, 'latin1'), fulfill])
  const sockets = new Set<Socket>()
  const receiverUrl = await peer(t, (socket) => {
    sockets.add(socket)
    setTimeout(() => socket.write(reply), 50) // slow enough that a second connection would be opened if allowed
  })
  const { node, url } = await startNode(t, receiverUrl, 8, 1)
  const sender = createHttpLink({ accountId: 'router', url, outgoingToken: TOKEN, pipelining: 16, connections: 1 })
  t.after(() => sender.close())
  const replies: Promise<unknown>[] = []
  for (let i = 0; i < 6; i++) {
    replies.push(sender.send(prepare()))
    await new Promise((resolve) => setTimeout(resolve, 5)) // separate turns: each would take the least busy connection
  }
  const done = (await Promise.all(replies)) as { type: number }[]
  assert.ok(done.every((r) => r.type === IlpPacketType.Fulfill))
  assert.equal(sockets.size, 1)
  assert.equal(node.ledger.snapshot('receiver').balance, 600n)
})

test('an incoming token changed over the admin API stops working at once on an open keep-alive connection', async (t) => {
  const receiverUrl = await peer(t, () => {})
  const { node } = await startNode(t, receiverUrl, 1)
  const admin = (method: string, path: string, body: unknown): Promise<Response> =>
    fetch(`${node.adminUrl!}${path}`, {
      method,
      headers: { authorization: 'Bearer admin-token-0123456789', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  const OLD_TOKEN = 'old-dynamic-token-0123456789abcdef0123456789'
  const NEW_TOKEN = 'new-dynamic-token-0123456789abcdef0123456789'
  const account = (token: string) => ({ relation: 'child', min_balance: '-1000000', http: { incoming_token: token } })
  const created = await admin('POST', '/accounts', { id: 'dynamic', ...account(OLD_TOKEN) })
  assert.equal(created.status, 201, await created.text())
  const url = `${node.listenerUrl('http')!}/accounts/dynamic/ilp`
  const sender = createHttpLink({ accountId: 'router', url, outgoingToken: OLD_TOKEN, connections: 1 })
  t.after(() => sender.close())
  // Zero-amount packets to an unknown destination: answered at once (F02), all on the one connection.
  const probe = (): IlpPrepare => ({ ...prepare(), amount: 0n, destination: 'test.router.nobody' })
  for (let i = 0; i < 3; i++) {
    const reply = await sender.send(probe())
    assert.ok(isReject(reply) && reply.code === 'F02', JSON.stringify(reply))
  }
  const changed = await admin('PUT', '/accounts/dynamic', account(NEW_TOKEN))
  assert.equal(changed.status, 200, await changed.text())
  // The old token, on the same connection: refused (401, which our link turns into an F00 of its own).
  const refused = await sender.send(probe())
  assert.ok(isReject(refused) && refused.code === 'F00' && /401/.test(refused.message), JSON.stringify(refused))
  const renewed = createHttpLink({ accountId: 'router', url, outgoingToken: NEW_TOKEN, connections: 1 })
  t.after(() => renewed.close())
  const accepted = await renewed.send(probe())
  assert.ok(isReject(accepted) && accepted.code === 'F02', JSON.stringify(accepted))
})
