/**
 * CCP interop with ilp-connector 23.0.2: our node and ilp-connector peer over BTP with route broadcast on and
 * no static route on either side. Each learns the other's address by CCP, and packets flow both ways:
 *
 *   alice ─BTP▶ ilp-connector (test.js) ─BTP▶ ours (test.ours) ─BTP▶ bob        and back
 *
 * Then ilp-connector goes away: our node drops what it learned from it (link down), without waiting for expiry.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createNode, type IlpNode } from '../src/node/node.js'
import { parseConfig } from '../src/node/config.js'
import { BtpPlugin, IlpPacket, btpListener, fulfiller, jsPrepare, listenerPort, startJsConnector } from './interop-support.js'

const T = {
  jsconn: 'jsconn-token-0123456789abcdef0123456789abcdef',
  bob: 'bob-token-0123456789abcdef0123456789abcdef01',
  alice: 'alice-token-0123456789abcdef0123456789abcdef',
}

async function until(check: () => boolean, what: string, describeState: () => unknown): Promise<void> {
  for (let i = 0; i < 150 && !check(); i++) await new Promise((r) => setTimeout(r, 100))
  assert.ok(check(), `${what}; now: ${JSON.stringify(describeState())}`)
}

test('ilp-connector and our node learn each other\'s routes by CCP over BTP; packets flow both ways without static routes', async (t) => {
  const node = createNode(
    parseConfig({
      ilp_address: 'test.ours',
      store: 'memory',
      log_level: 'silent',
      admin: { listen: '127.0.0.1:0', token: 'admin-token-0123456789' },
      btp: { listen: '127.0.0.1:0' },
      spread: '0',
      accounts: [
        { id: 'jsconn', relation: 'peer', asset_code: 'USD', asset_scale: 2, min_balance: -1_000_000, btp: { incoming_token: T.jsconn } },
        { id: 'bob', relation: 'child', asset_code: 'USD', asset_scale: 2, min_balance: -1_000_000, btp: { incoming_token: T.bob } },
      ],
    }),
  )
  await node.start()
  t.after(() => node.stop())
  const btpPort = new URL(node.listenerUrl('btp')!).port

  const bobReceived: bigint[] = []
  const bob = new BtpPlugin({ server: `btp+ws://bob:${T.bob}@127.0.0.1:${btpPort}` })
  bob.registerDataHandler(fulfiller(bobReceived, 'test.ours.bob'))
  await bob.connect()
  t.after(() => bob.disconnect())

  const aliceSide = btpListener(T.alice)
  const aliceReceived: bigint[] = []
  const balance = { minimum: '-1000000000', maximum: '1000000000' }
  let alice: InstanceType<typeof BtpPlugin> | undefined
  // A peer account with ilp-connector's defaults: it sends and receives routes. No `routes` configured.
  const js = await startJsConnector(
    {
      ilpAddress: 'test.js',
      accounts: {
        ours: { relation: 'peer', plugin: 'ilp-plugin-btp', assetCode: 'USD', assetScale: 2, balance, options: { server: `btp+ws://jsconn:${T.jsconn}@127.0.0.1:${btpPort}` } },
        alice: { relation: 'child', plugin: aliceSide, assetCode: 'USD', assetScale: 2, balance },
      },
      rates: { 'USD:USD': 1 },
    },
    async () => {
      alice = new BtpPlugin({ server: `btp+ws://alice:${T.alice}@127.0.0.1:${await listenerPort(aliceSide)}` })
      alice.registerDataHandler(fulfiller(aliceReceived, 'test.js.alice'))
      await alice.connect()
    },
  )
  let jsClosed = false
  t.after(async () => {
    await alice?.disconnect()
    if (!jsClosed) await js.close()
  })

  // ilp-connector learns test.ours from our node; our node learns test.js from ilp-connector.
  await until(() => js.routes()['test.ours']?.nextHop === 'ours', 'ilp-connector learns test.ours', () => js.routes())
  assert.deepEqual(js.routes()['test.ours']!.path, ['test.ours'])
  await until(() => node.connector.routes.get('test.js')?.source === 'ccp', 'our node learns test.js', () => node.connector.routes.list())
  assert.deepEqual(node.connector.routes.get('test.js'), { prefix: 'test.js', nextHop: 'jsconn', source: 'ccp', path: ['test.js'] })
  assert.equal(js.routes()['test.ours.bob'], undefined, 'our children are covered by our address, not advertised one by one')

  // alice → ilp-connector → ours → bob, then bob → ours → ilp-connector → alice.
  const forward = IlpPacket.deserializeIlpPacket(await alice!.sendData(jsPrepare('test.ours.bob', 700n)))
  assert.equal(forward.typeString, 'ilp_fulfill', JSON.stringify(forward.data))
  assert.deepEqual(bobReceived, [700n])
  const back = IlpPacket.deserializeIlpPacket(await bob.sendData(jsPrepare('test.js.alice', 300n)))
  assert.equal(back.typeString, 'ilp_fulfill', JSON.stringify(back.data))
  assert.deepEqual(aliceReceived, [300n])
  assert.equal(node.ledger.snapshot('jsconn').balance, -400n) // ilp-connector paid us 700, we paid it 300
  assert.equal(node.ledger.snapshot('bob').balance, 400n)
  assert.equal(js.balance('ours'), -400n)

  // ilp-connector stops: its link goes down and what we learned from it goes with it.
  await alice?.disconnect()
  await js.close()
  jsClosed = true
  await until(() => node.connector.routes.get('test.js') === undefined, 'test.js is dropped when ilp-connector goes', () => node.connector.routes.list())
  const gone = IlpPacket.deserializeIlpReject(await bob.sendData(jsPrepare('test.js.alice', 5n)))
  assert.deepEqual([gone.code, gone.triggeredBy], ['F02', 'test.ours'])
  assert.ok((await node.ledger.verify()).ok)
})
