/**
 * Interop with ilp-connector 23.0.2 over ILP over HTTP: our node and ilp-connector as peers, linked by our HTTP
 * link on one side and ilp-plugin-http 1.6.1 (ilp-connector's account plugin) on the other, with an exchange rate
 * on each side: alice → ilp-connector → ours → bob, and back. alice and bob are ilp-plugin-btp peers. The amounts
 * delivered, the balances on both connectors and Reject codes are checked; the link's tokens are static bearer
 * tokens one way and JWTs derived from a shared secret (ilp-plugin-http's `secret`) the other.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { createServer as createHttpServer } from 'node:http'
import { createRequire } from 'node:module'
import PluginHttpModule from 'ilp-plugin-http'
import { createNode, type IlpNode } from '../src/node/node.js'
import { parseConfig } from '../src/node/config.js'
import { BtpPlugin, IlpPacket, btpListener, fulfiller, jsPrepare, listenerPort, rejectPrepare, startJsConnector } from './interop-support.js'

const PluginHttp = PluginHttpModule.default
const T = {
  oursToJs: 'ours-to-js-token-0123456789abcdef0123456789',
  jsToOursSecret: 'js-to-ours-jwt-secret-0123456789abcdef012345',
  alice: 'alice-token-0123456789abcdef0123456789abcdef',
  bob: 'bob-token-0123456789abcdef0123456789abcdef01',
}

// ilp-plugin-http's Koa listens on every interface; tests bind loopback only (as in interop-http.test.ts).
const requireFromPlugin = createRequire(createRequire(import.meta.url).resolve('ilp-plugin-http'))
const Koa = requireFromPlugin('koa') as { prototype: { listen(port: number): Server; callback(): Parameters<typeof createHttpServer>[1] } }
Koa.prototype.listen = function (this: { callback(): Parameters<typeof createHttpServer>[1] }, port: number) {
  return createHttpServer(this.callback()).listen(port, '127.0.0.1') as unknown as Server
}

/** A loopback port that was free a moment ago (for the plugin, whose URL our node's config names first). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

const balanceOf = (node: IlpNode, id: string) => node.ledger.snapshot(id).balance

test('ilp-connector and our node peered over ILP over HTTP: alice → ilp-connector → ours → bob and back, with rates', async (t) => {
  const pluginPort = await freePort()
  // ours: USD with ilp-connector, EUR for bob; 1 USD = 0.5 EUR. ilp-connector's routes are static.
  const node = createNode(
    parseConfig({
      ilp_address: 'test.ours',
      store: 'memory',
      log_level: 'silent',
      admin: { listen: '127.0.0.1:0', token: 'admin-token-0123456789' },
      btp: { listen: '127.0.0.1:0' },
      http: { listen: '127.0.0.1:0' },
      spread: '0',
      rates: { USD: '1', EUR: '0.5' },
      accounts: [
        {
          id: 'jsconn',
          relation: 'peer',
          asset_code: 'USD',
          asset_scale: 2,
          min_balance: -1_000_000,
          routes: ['test.js'],
          routing: { send_routes: false, receive_routes: false },
          http: { url: `http://127.0.0.1:${pluginPort}/`, outgoing_token: T.oursToJs, incoming_jwt_secret: T.jsToOursSecret },
        },
        { id: 'bob', relation: 'child', asset_code: 'EUR', asset_scale: 2, min_balance: -1_000_000, btp: { incoming_token: T.bob } },
      ],
    }),
  )
  await node.start()
  t.after(() => node.stop())

  const bobReceived: bigint[] = []
  const bob = new BtpPlugin({ server: `btp+ws://bob:${T.bob}@127.0.0.1:${new URL(node.listenerUrl('btp')!).port}` })
  bob.registerDataHandler(fulfiller(bobReceived, 'test.ours.bob'))
  await bob.connect()
  t.after(() => bob.disconnect())

  // ilp-connector: XYZ for alice, USD towards us over HTTP; 1 XYZ = 2 USD (and back at 0.5).
  const oursSide = new PluginHttp({
    incoming: { port: pluginPort, staticToken: T.oursToJs },
    outgoing: { url: `${node.listenerUrl('http')!}/accounts/jsconn/ilp`, secret: T.jsToOursSecret },
  })
  const aliceSide = btpListener(T.alice)
  const aliceReceived: bigint[] = []
  const balance = { minimum: '-1000000000', maximum: '1000000000' }
  let alice: InstanceType<typeof BtpPlugin> | undefined
  const js = await startJsConnector(
    {
      ilpAddress: 'test.js',
      accounts: {
        ours: { relation: 'peer', plugin: oursSide, assetCode: 'USD', assetScale: 2, balance, sendRoutes: false, receiveRoutes: false },
        alice: { relation: 'child', plugin: aliceSide, assetCode: 'XYZ', assetScale: 2, balance },
      },
      rates: { 'XYZ:USD': 2, 'USD:XYZ': 0.5 },
      routes: [{ targetPrefix: 'test.ours', peerId: 'ours' }],
    },
    async () => {
      alice = new BtpPlugin({ server: `btp+ws://alice:${T.alice}@127.0.0.1:${await listenerPort(aliceSide)}` })
      alice.registerDataHandler(fulfiller(aliceReceived, 'test.js.alice'))
      await alice.connect()
    },
  )
  t.after(async () => {
    await alice?.disconnect()
    await js.close()
  })

  // alice → ilp-connector (×2) → HTTP → ours (×0.5) → bob
  const forward = IlpPacket.deserializeIlpPacket(await alice!.sendData(jsPrepare('test.ours.bob', 1001n)))
  assert.equal(forward.typeString, 'ilp_fulfill', JSON.stringify(forward))
  assert.deepEqual(bobReceived, [1001n]) // 1001 XYZ → 2002 USD → 1001 EUR
  assert.equal(balanceOf(node, 'jsconn'), -2002n)
  assert.equal(balanceOf(node, 'bob'), 1001n)
  assert.equal(js.balance('ours'), -2002n)
  assert.equal(js.balance('alice'), 1001n)

  // bob → ours (×2) → HTTP → ilp-connector (×0.5) → alice, several at once
  const back = await Promise.all([100n, 200n, 300n].map(async (amount) => IlpPacket.deserializeIlpPacket(await bob.sendData(jsPrepare('test.js.alice', amount)))))
  assert.ok(back.every((p) => p.typeString === 'ilp_fulfill'), JSON.stringify(back))
  assert.deepEqual([...aliceReceived].sort((a, b) => Number(a - b)), [100n, 200n, 300n]) // EUR → USD ×2 → XYZ ×0.5
  assert.equal(balanceOf(node, 'bob'), 401n)
  assert.equal(balanceOf(node, 'jsconn'), -802n) // 600 EUR → 1200 USD: -2002 + 1200
  assert.equal(js.balance('ours'), -802n)
  assert.equal(js.balance('alice'), 401n)

  // Rejects from either far end come back unchanged through both connectors and move nothing.
  const rejected = IlpPacket.deserializeIlpReject(await alice!.sendData(rejectPrepare('test.ours.bob', 10n)))
  assert.deepEqual([rejected.code, rejected.triggeredBy, rejected.message, rejected.data.toString()], ['F99', 'test.ours.bob', 'the receiver says no', 'app data'])
  const rejectedBack = IlpPacket.deserializeIlpReject(await bob.sendData(rejectPrepare('test.js.alice', 10n)))
  assert.deepEqual([rejectedBack.code, rejectedBack.triggeredBy], ['F99', 'test.js.alice'])
  const unreachable = IlpPacket.deserializeIlpReject(await alice!.sendData(jsPrepare('test.ours.nobody', 10n)))
  assert.deepEqual([unreachable.code, unreachable.triggeredBy], ['F02', 'test.ours'])
  assert.equal(balanceOf(node, 'bob'), 401n)
  assert.equal(js.balance('alice'), 401n)
  assert.ok((await node.ledger.verify()).ok)
})
