/**
 * The two-node example in examples/peering/ works as written: both files parse, the nodes peer over BTP
 * (A → B) and ILP over HTTP (B → A), and money moves as configured. Ports are rewritten to free ones and
 * stores to memory; nothing else in the files is changed.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { createNode, type IlpNode } from '../src/node/node.js'
import { parseConfig, readConfigFile } from '../src/node/config.js'
import { createLoopbackLinkPair } from '../src/link/loopback.js'
import { IlpPacketType, isFulfill, type IlpPrepare } from '../src/ilp/types.js'

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

type Raw = Record<string, any>

/** The example file with its ports replaced; everything else as shipped. */
function example(name: string, ports: Record<string, number>): Raw {
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return Object.entries(ports).reduce((s, [from, to]) => s.replaceAll(`127.0.0.1:${from}`, `127.0.0.1:${to}`), value)
    }
    if (Array.isArray(value)) return value.map(rewrite)
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]))
    return value
  }
  const raw = rewrite(readConfigFile(`examples/peering/${name}`)) as Raw
  return { ...raw, store: 'memory', log_level: 'silent', admin: { ...raw.admin, listen: '127.0.0.1:0' } }
}

const fulfillment = randomBytes(32)
const condition = new Uint8Array(createHash('sha256').update(fulfillment).digest())
const prepare = (destination: string, amount: bigint): IlpPrepare => ({
  type: IlpPacketType.Prepare,
  amount,
  expiresAt: new Date(Date.now() + 10_000),
  executionCondition: condition,
  destination,
  data: randomBytes(8),
})

/** A local child account that fulfils everything (the shop) and one that pays (the user). */
function addLocalAccounts(node: IlpNode, assetCode: string): void {
  const [shopSide, shop] = createLoopbackLinkPair()
  shop.handle(async (p) => ({ type: IlpPacketType.Fulfill, fulfillment: new Uint8Array(fulfillment), data: p.data }))
  node.connector.addAccount({ id: 'shop', relation: 'child', assetCode, assetScale: 9 }, shopSide)
  node.connector.addAccount({ id: 'user', relation: 'child', assetCode, assetScale: 9, minBalance: -(10n ** 12n) })
}

test('examples/peering: node A and node B peer over BTP and ILP over HTTP', async (t) => {
  const ports = { 7768: await freePort(), 7769: await freePort(), 7779: await freePort() }
  const a = createNode(parseConfig(example('node-a.yaml', ports)))
  await a.start()
  t.after(() => a.stop())
  const b = createNode(parseConfig(example('node-b.yaml', ports)))
  await b.start()
  t.after(() => b.stop())
  addLocalAccounts(a, 'USD')
  addLocalAccounts(b, 'EUR')
  for (let i = 0; i < 300 && !(a.connector.getLink('b')?.connected && b.connector.getLink('a')?.connected); i++) await new Promise((r) => setTimeout(r, 10))
  assert.ok(a.connector.getLink('b')?.connected, 'B dialled A over BTP')

  // A → B over BTP: 1 USD (1e9) becomes 0.92 EUR.
  const toB = await a.connector.handleIncoming('user', prepare('test.b.shop', 1_000_000_000n))
  assert.ok(isFulfill(toB), JSON.stringify(toB))
  assert.equal(a.ledger.snapshot('b').balance, 920_000_000n)
  assert.equal(b.ledger.snapshot('a').balance, -920_000_000n)
  assert.equal(b.ledger.snapshot('shop').balance, 920_000_000n)

  // B → A over ILP over HTTP: 0.46 EUR becomes 0.5 USD at A.
  const toA = await b.connector.handleIncoming('user', prepare('test.a.shop', 460_000_000n))
  assert.ok(isFulfill(toA), JSON.stringify(toA))
  assert.equal(b.ledger.snapshot('a-http').balance, 460_000_000n)
  assert.equal(a.ledger.snapshot('b-http').balance, -460_000_000n)
  assert.equal(a.ledger.snapshot('shop').balance, 500_000_000n)
  assert.ok((await a.ledger.verify()).ok && (await b.ledger.verify()).ok)
})
