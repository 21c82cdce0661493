/**
 * Interop with ilp-connector 23.0.2 over BTP, both ways, with an exchange rate on each side:
 *   1. our node is the ILDCP parent of an ilp-connector child:  alice → ilp-connector → ours → bob, and back;
 *   2. our node is the ILDCP child of an ilp-connector parent:  carol → ilp-connector → ours → dave, and back.
 * Each checks the amounts delivered, the balances on both connectors, and that Reject codes pass unchanged.
 * alice, bob, carol and dave are ilp-plugin-btp plugins (the JS stack as a real peer).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createNode, type IlpNode } from '../src/node/node.js'
import { parseConfig } from '../src/node/config.js'
import { BtpPlugin, IlpPacket, btpListener, fulfiller, jsPrepare, listenerPort, rejectPrepare, startJsConnector } from './interop-support.js'

const T = {
  jsconn: 'jsconn-token-0123456789abcdef0123456789abcdef',
  bob: 'bob-token-0123456789abcdef0123456789abcdef01',
  alice: 'alice-token-0123456789abcdef0123456789abcdef',
  ours: 'ours-token-0123456789abcdef0123456789abcdef0',
  carol: 'carol-token-0123456789abcdef0123456789abcdef',
  dave: 'dave-token-0123456789abcdef0123456789abcdef0',
}

async function startOurNode(raw: Record<string, unknown>): Promise<IlpNode> {
  const node = createNode(
    parseConfig({
      store: 'memory',
      log_level: 'silent',
      admin: { listen: '127.0.0.1:0', token: 'admin-token-0123456789' },
      btp: { listen: '127.0.0.1:0' },
      spread: '0',
      ...raw,
    }),
  )
  await node.start()
  return node
}

const balanceOf = (node: IlpNode, id: string) => node.ledger.snapshot(id).balance

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10))
  assert.ok(check(), what)
}

test('our node as ILDCP parent of ilp-connector: alice → ilp-connector → ours → bob and back', async (t) => {
  // ours: USD for the JS connector, EUR for bob; 1 USD = 0.5 EUR.
  const node = await startOurNode({
    ilp_address: 'test.ours',
    rates: { USD: '1', EUR: '0.5' },
    accounts: [
      { id: 'jsconn', relation: 'child', asset_code: 'USD', asset_scale: 2, min_balance: -1_000_000, btp: { incoming_token: T.jsconn } },
      { id: 'bob', relation: 'child', asset_code: 'EUR', asset_scale: 2, min_balance: -1_000_000, btp: { incoming_token: T.bob } },
    ],
  })
  t.after(() => node.stop())
  const btpPort = new URL(node.listenerUrl('btp')!).port

  const bobReceived: bigint[] = []
  const bob = new BtpPlugin({ server: `btp+ws://bob:${T.bob}@127.0.0.1:${btpPort}` })
  bob.registerDataHandler(fulfiller(bobReceived, 'test.ours.bob'))
  await bob.connect()
  t.after(() => bob.disconnect())

  // ilp-connector: XYZ for alice, USD towards us; 1 XYZ = 2 USD (and back at 0.5).
  const aliceSide = btpListener(T.alice)
  const aliceReceived: bigint[] = []
  const balance = { minimum: '-1000000000', maximum: '1000000000' }
  let aliceClient: InstanceType<typeof BtpPlugin> | undefined
  const js = await startJsConnector(
    {
      accounts: {
        parent: { relation: 'parent', plugin: 'ilp-plugin-btp', assetCode: 'USD', assetScale: 2, balance, sendRoutes: false, receiveRoutes: false, options: { server: `btp+ws://jsconn:${T.jsconn}@127.0.0.1:${btpPort}` } },
        alice: { relation: 'child', plugin: aliceSide, assetCode: 'XYZ', assetScale: 2, balance },
      },
      rates: { 'XYZ:USD': 2, 'USD:XYZ': 0.5 },
    },
    async () => {
      aliceClient = new BtpPlugin({ server: `btp+ws://alice:${T.alice}@127.0.0.1:${await listenerPort(aliceSide)}` })
      aliceClient.registerDataHandler(fulfiller(aliceReceived, 'test.ours.jsconn.alice'))
      await aliceClient.connect()
    },
  )
  t.after(async () => {
    await aliceClient?.disconnect()
    await js.close()
  })
  assert.equal(js.address(), 'test.ours.jsconn', 'ilp-connector learned its address from our node by ILDCP')
  await until(() => node.connector.getLink('jsconn')?.connected === true, 'ilp-connector connected to our BTP server')

  // alice → ilp-connector (×2) → ours (×0.5) → bob
  const forward = IlpPacket.deserializeIlpPacket(await aliceClient!.sendData(jsPrepare('test.ours.bob', 1001n)))
  assert.equal(forward.typeString, 'ilp_fulfill')
  assert.deepEqual(bobReceived, [1001n]) // 1001 XYZ → 2002 USD → 1001 EUR
  assert.equal(balanceOf(node, 'jsconn'), -2002n) // the JS connector paid us 2002
  assert.equal(balanceOf(node, 'bob'), 1001n) // we owe bob 1001
  assert.equal(js.balance('alice'), 1001n) // alice owes ilp-connector
  assert.equal(js.balance('parent'), -2002n) // ilp-connector owes us

  // bob → ours (×2) → ilp-connector (×0.5) → alice
  const back = IlpPacket.deserializeIlpPacket(await bob.sendData(jsPrepare('test.ours.jsconn.alice', 300n)))
  assert.equal(back.typeString, 'ilp_fulfill')
  assert.deepEqual(aliceReceived, [300n]) // 300 EUR → 600 USD → 300 XYZ
  assert.equal(balanceOf(node, 'bob'), 701n)
  assert.equal(balanceOf(node, 'jsconn'), -1402n)
  assert.equal(js.balance('parent'), -1402n)
  assert.equal(js.balance('alice'), 701n)

  // Rejects from the far end come back unchanged through both connectors, and move nothing.
  const rejected = IlpPacket.deserializeIlpReject(await aliceClient!.sendData(rejectPrepare('test.ours.bob', 10n)))
  assert.deepEqual([rejected.code, rejected.triggeredBy, rejected.message, rejected.data.toString()], ['F99', 'test.ours.bob', 'the receiver says no', 'app data'])
  const rejectedBack = IlpPacket.deserializeIlpReject(await bob.sendData(rejectPrepare('test.ours.jsconn.alice', 10n)))
  assert.deepEqual([rejectedBack.code, rejectedBack.triggeredBy], ['F99', 'test.ours.jsconn.alice'])
  // A Reject made by our node (no route) reaches alice with our address.
  const unreachable = IlpPacket.deserializeIlpReject(await aliceClient!.sendData(jsPrepare('test.ours.nobody', 10n)))
  assert.deepEqual([unreachable.code, unreachable.triggeredBy], ['F02', 'test.ours'])
  assert.equal(balanceOf(node, 'bob'), 701n)
  assert.equal(js.balance('alice'), 701n)
  assert.ok((await node.ledger.verify()).ok)
})

test('our node as ILDCP child of ilp-connector: carol → ilp-connector → ours → dave and back', async (t) => {
  const oursSide = btpListener(T.ours)
  const carolSide = btpListener(T.carol)
  const balance = { minimum: '-1000000000', maximum: '1000000000' }
  let node: IlpNode | undefined
  let carol: InstanceType<typeof BtpPlugin> | undefined
  const carolReceived: bigint[] = []
  // ilp-connector: ABC for carol, USD towards us; 1 ABC = 4 USD.
  const js = await startJsConnector(
    {
      ilpAddress: 'test.jsparent',
      accounts: {
        ours: { relation: 'child', plugin: oursSide, assetCode: 'USD', assetScale: 2, balance, sendRoutes: false, receiveRoutes: false },
        carol: { relation: 'child', plugin: carolSide, assetCode: 'ABC', assetScale: 2, balance },
      },
      rates: { 'ABC:USD': 4, 'USD:ABC': 0.25 },
    },
    async () => {
      // ours: no address of its own, learned from the parent; USD from the parent, EUR for dave: 1 USD = 0.5 EUR.
      node = await startOurNode({
        rates: { USD: '1', EUR: '0.5' },
        accounts: [
          { id: 'jsparent', relation: 'parent', asset_code: 'USD', asset_scale: 2, min_balance: -1_000_000, btp: { url: `btp+ws://ours:${T.ours}@127.0.0.1:${await listenerPort(oursSide)}` } },
          { id: 'dave', relation: 'child', asset_code: 'EUR', asset_scale: 2, min_balance: -1_000_000, btp: { incoming_token: T.dave } },
        ],
      })
      carol = new BtpPlugin({ server: `btp+ws://carol:${T.carol}@127.0.0.1:${await listenerPort(carolSide)}` })
      carol.registerDataHandler(fulfiller(carolReceived, 'test.jsparent.carol'))
      await carol.connect()
    },
  )
  t.after(async () => {
    await carol?.disconnect()
    await node?.stop()
    await js.close()
  })
  assert.ok(node !== undefined && carol !== undefined)
  assert.equal(await node.addressKnown(), 'test.jsparent.ours', 'our node learned its address from ilp-connector by ILDCP')

  const daveReceived: bigint[] = []
  const dave = new BtpPlugin({ server: `btp+ws://dave:${T.dave}@127.0.0.1:${new URL(node.listenerUrl('btp')!).port}` })
  dave.registerDataHandler(fulfiller(daveReceived, 'test.jsparent.ours.dave'))
  await dave.connect()
  t.after(() => dave.disconnect())

  // carol → ilp-connector (×4) → ours (×0.5) → dave
  const forward = IlpPacket.deserializeIlpPacket(await carol.sendData(jsPrepare('test.jsparent.ours.dave', 250n)))
  assert.equal(forward.typeString, 'ilp_fulfill')
  assert.deepEqual(daveReceived, [500n]) // 250 ABC → 1000 USD → 500 EUR
  assert.equal(js.balance('carol'), 250n)
  assert.equal(js.balance('ours'), -1000n)
  assert.equal(balanceOf(node, 'jsparent'), -1000n)
  assert.equal(balanceOf(node, 'dave'), 500n)

  // dave → ours (×2) → ilp-connector (×0.25) → carol; the default route of a child node is its parent.
  const back = IlpPacket.deserializeIlpPacket(await dave.sendData(jsPrepare('test.jsparent.carol', 100n)))
  assert.equal(back.typeString, 'ilp_fulfill')
  assert.deepEqual(carolReceived, [50n]) // 100 EUR → 200 USD → 50 ABC
  assert.equal(balanceOf(node, 'dave'), 400n)
  assert.equal(balanceOf(node, 'jsparent'), -800n)
  assert.equal(js.balance('ours'), -800n)
  assert.equal(js.balance('carol'), 200n)

  const rejected = IlpPacket.deserializeIlpReject(await carol.sendData(rejectPrepare('test.jsparent.ours.dave', 10n)))
  assert.deepEqual([rejected.code, rejected.triggeredBy, rejected.message], ['F99', 'test.jsparent.ours.dave', 'the receiver says no'])
  const rejectedBack = IlpPacket.deserializeIlpReject(await dave.sendData(rejectPrepare('test.jsparent.carol', 10n)))
  assert.deepEqual([rejectedBack.code, rejectedBack.triggeredBy], ['F99', 'test.jsparent.carol'])
  assert.equal(balanceOf(node, 'dave'), 400n)
  assert.equal(js.balance('carol'), 200n)
  assert.ok((await node.ledger.verify()).ok)
})
