/**
 * Interop: our BTP server and client against ilp-plugin-btp 1.5.0 (the deployed JS implementation), each way,
 * with the ILP packets built and read by ilp-packet on the JS side. Amounts, fields and reject codes must cross
 * unchanged.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import BtpPluginModule from 'ilp-plugin-btp'
import * as IlpPacket from 'ilp-packet'
import { createBtpClientLink, createBtpServer, createTokenAuthenticator, isFulfill, isReject, reject, IlpPacketType, type IlpPrepare } from '../src/index.js'

// CommonJS default export: the class is `.default` of module.exports (which is also the class at run time).
const BtpPlugin = BtpPluginModule.default

/** The port an ilp-plugin-btp listener bound (it binds while `connect()` waits for the first client). */
async function listenerPort(plugin: unknown): Promise<number> {
  const wss = (plugin as { _wss: { address(): AddressInfo | null; once(e: string, f: () => void): void } })._wss
  if (wss.address() === null) await new Promise<void>((resolve) => wss.once('listening', resolve))
  return wss.address()!.port
}

const TOKEN = 'interop-secret-0123456789abcdef0123456789abcdef'
const fulfillment = randomBytes(32)
const condition = createHash('sha256').update(fulfillment).digest()

function jsPrepare(amount: string, n: number): Buffer {
  return IlpPacket.serializeIlpPrepare({
    amount,
    expiresAt: new Date(Date.now() + 30_000),
    executionCondition: condition,
    destination: 'test.interop.bob',
    data: Buffer.from(`packet ${n}`),
  })
}

function ourPrepare(amount: bigint, n: number): IlpPrepare {
  return {
    type: IlpPacketType.Prepare,
    amount,
    expiresAt: new Date(Date.now() + 30_000),
    executionCondition: new Uint8Array(condition),
    destination: 'test.interop.alice',
    data: new TextEncoder().encode(`packet ${n}`),
  }
}

/** A JS data handler: fulfils amounts that are even, rejects odd ones with T04 (so both paths are checked). */
async function jsHandler(data: Buffer): Promise<Buffer> {
  const prepare = IlpPacket.deserializeIlpPrepare(data)
  if (BigInt(prepare.amount) % 2n === 0n) return IlpPacket.serializeIlpFulfill({ fulfillment, data: prepare.data })
  return IlpPacket.serializeIlpReject({ code: 'T04', triggeredBy: 'test.interop.js', message: `odd ${prepare.amount}`, data: prepare.data })
}

test('ilp-plugin-btp client ↔ our BTP server: Prepares both ways, fulfils and rejects unchanged', async (t) => {
  const server = await createBtpServer({ listen: { port: 0 }, authenticate: createTokenAuthenticator([{ accountId: 'alice', token: TOKEN }]) })
  t.after(() => server.close())
  const link = server.link('alice')
  const seen: bigint[] = []
  link.handle(async (prepare) => {
    seen.push(prepare.amount)
    if (prepare.amount === 13n) return reject('F99', 'test.interop.ours', 'thirteen', prepare.data)
    return { type: IlpPacketType.Fulfill, fulfillment: new Uint8Array(fulfillment), data: prepare.data }
  })
  const plugin = new BtpPlugin({ server: `btp+ws://alice:${TOKEN}@127.0.0.1:${new URL(server.url).port}` })
  t.after(() => plugin.disconnect())
  plugin.registerDataHandler(jsHandler)
  await plugin.connect()
  for (let i = 0; i < 50 && !link.connected; i++) await new Promise((r) => setTimeout(r, 10))

  // JS → ours: 100 in flight at once.
  const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => plugin.sendData(jsPrepare(String(1000 + i), i))))
  replies.forEach((bytes: Buffer, i: number) => {
    const reply = IlpPacket.deserializeIlpFulfill(bytes)
    assert.deepEqual(reply.fulfillment, fulfillment)
    assert.equal(reply.data.toString(), `packet ${i}`)
  })
  assert.deepEqual(seen.slice().sort((a, b) => Number(a - b)), Array.from({ length: 100 }, (_, i) => BigInt(1000 + i)))
  const rejected = IlpPacket.deserializeIlpReject(await plugin.sendData(jsPrepare('13', 0)))
  assert.equal(rejected.code, 'F99')
  assert.equal(rejected.triggeredBy, 'test.interop.ours')
  assert.equal(rejected.message, 'thirteen')

  // ours → JS
  const fulfilled = await link.send(ourPrepare(42n, 1))
  assert.ok(isFulfill(fulfilled))
  assert.deepEqual(Buffer.from(fulfilled.fulfillment), fulfillment)
  const odd = await link.send(ourPrepare(43n, 2))
  assert.ok(isReject(odd))
  assert.equal(odd.code, 'T04')
  assert.equal(odd.triggeredBy, 'test.interop.js')
  assert.equal(odd.message, 'odd 43')
})

test('our BTP client ↔ ilp-plugin-btp server: auth, Prepares both ways', async (t) => {
  const plugin = new BtpPlugin({ listener: { port: 0, secret: TOKEN, wsOpts: { host: '127.0.0.1', port: 0 } } })
  plugin.registerDataHandler(jsHandler)
  const connecting = plugin.connect()
  t.after(() => plugin.disconnect())
  connecting.catch(() => undefined)
  const port = await listenerPort(plugin)
  const link = createBtpClientLink({ url: `btp+ws://alice:${TOKEN}@127.0.0.1:${port}` })
  t.after(() => link.close())
  link.handle(async (prepare) => ({ type: IlpPacketType.Fulfill, fulfillment: new Uint8Array(fulfillment), data: prepare.data }))
  await Promise.all([connecting, link.whenConnected()])

  const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => link.send(ourPrepare(BigInt(2 * i), i))))
  replies.forEach((reply, i) => {
    assert.ok(isFulfill(reply))
    assert.equal(new TextDecoder().decode(reply.data), `packet ${i}`)
  })
  const odd = await link.send(ourPrepare(7n, 0))
  assert.ok(isReject(odd) && odd.code === 'T04')

  const back = IlpPacket.deserializeIlpFulfill(await plugin.sendData(jsPrepare('5', 9)))
  assert.deepEqual(back.fulfillment, fulfillment)
  assert.equal(back.data.toString(), 'packet 9')
})

test('ilp-plugin-btp server refuses our client with a wrong token: the link stays down', async (t) => {
  const plugin = new BtpPlugin({ listener: { port: 0, secret: TOKEN, wsOpts: { host: '127.0.0.1', port: 0 } } })
  const connecting = plugin.connect().catch(() => undefined)
  t.after(async () => {
    await plugin.disconnect()
    await connecting
  })
  const port = await listenerPort(plugin)
  const link = createBtpClientLink({ url: `btp+ws://alice:wrong@127.0.0.1:${port}`, reconnectFirstMs: 50 })
  t.after(() => link.close())
  await new Promise((r) => setTimeout(r, 200))
  assert.equal(link.connected, false)
  await assert.rejects(link.send(ourPrepare(2n, 0)), { code: 'LINK_DOWN' })
})
