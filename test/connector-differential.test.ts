/**
 * Differential test: our connector and ilp-connector 23.0.2 (in the same process, accounts on in-memory
 * plugins) get the same Prepare bytes in the same situation; the Reject codes (and F08 data, ILDCP answers)
 * must agree. Where we differ on purpose, the case says so and checks both answers.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { createRequire } from 'node:module'
import { Writable } from 'node:stream'
import { createMemoryLedger } from '../src/accounts/index.js'
import type { Account } from '../src/accounts/types.js'
import { createConnector, createStaticRates } from '../src/connector/index.js'
import { fulfillWith, newSecret, testAccount, testPrepare, type Secret } from '../src/connector/testing.js'
import { decodeIlpPacket, encodeIlpPacket, encodePrepare } from '../src/ilp/packet.js'
import { ildcpRequest } from '../src/ilp/ildcp.js'
import { IlpPacketType, type IlpPacket, type IlpPrepare, type IlpReply } from '../src/ilp/types.js'
import type { Link } from '../src/link/types.js'

const require = createRequire(import.meta.url)

/** The ILP plugin v2 object ilp-connector takes as an account's `plugin`. */
class MemoryPlugin extends EventEmitter {
  connected = false
  handler: ((data: Buffer) => Promise<Buffer>) | undefined
  constructor(public remote: (data: Buffer) => Promise<Buffer>) {
    super()
  }
  async connect() {
    this.connected = true
    this.emit('connect')
  }
  async disconnect() {
    this.connected = false
    this.emit('disconnect')
  }
  isConnected() {
    return this.connected
  }
  sendData(data: Buffer) {
    return this.remote(data)
  }
  registerDataHandler(h: (data: Buffer) => Promise<Buffer>) {
    this.handler = h
  }
  deregisterDataHandler() {
    this.handler = undefined
  }
  async sendMoney() {}
  registerMoneyHandler() {}
  deregisterMoneyHandler() {}
}

type NextHop = (prepare: IlpPrepare) => Promise<IlpReply>

interface Side {
  send(prepare: IlpPrepare): Promise<IlpPacket>
  close(): Promise<void>
}

interface Scenario {
  alice?: Partial<Account>
  bob?: Partial<Account>
  /** What bob (the next hop) answers. */
  bob_answers: NextHop
}

const ALICE: Account = testAccount('alice', { relation: 'child', minBalance: -10_000n })
const BOB: Account = testAccount('bob', { routes: ['test.node.bob'] })

async function ours(s: Scenario): Promise<Side> {
  const ledger = createMemoryLedger()
  const connector = createConnector({ address: 'test.node', assetCode: 'USD', assetScale: 2, ledger, rates: createStaticRates({ USD: 1 }) })
  const bobLink: Link = {
    send: (prepare) => s.bob_answers(prepare),
    handle: () => undefined,
    close: async () => undefined,
    connected: true,
  }
  connector.addAccount({ ...ALICE, ...s.alice })
  connector.addAccount({ ...BOB, ...s.bob }, bobLink)
  return {
    send: async (prepare) => decodeIlpPacket(await connector.handleIncomingBytes('alice', encodePrepare(prepare))),
    close: async () => {
      await connector.close()
      await ledger.close()
    },
  }
}

function referenceAccount(a: Account, plugin: MemoryPlugin): object {
  return {
    relation: a.relation,
    assetCode: a.assetCode,
    assetScale: a.assetScale,
    plugin,
    ...(a.maxPacketAmount !== undefined && { maxPacketAmount: a.maxPacketAmount.toString() }),
    // ilp-connector counts the other way (an incoming Prepare raises its balance, checked against `maximum`).
    balance: { minimum: (-(a.maxBalance ?? 1_000_000_000n)).toString(), maximum: (-(a.minBalance ?? 0n)).toString() },
  }
}

async function reference(s: Scenario): Promise<Side> {
  const { createApp } = require('ilp-connector') as { createApp: (o: object) => { listen(): Promise<void>; shutdown(): Promise<void> } }
  const log = require('ilp-connector/dist/common/log') as { setOutputStream(s: NodeJS.WritableStream): void }
  log.setOutputStream(new Writable({ write: (_c, _e, done) => done() }))
  const bob = new MemoryPlugin(async (data) => {
    const prepare = decodeIlpPacket(new Uint8Array(data)) as IlpPrepare
    if (prepare.destination.startsWith('peer.')) return Buffer.from(encodeIlpPacket({ type: IlpPacketType.Reject, code: 'F02', triggeredBy: 'test.bob', message: '', data: new Uint8Array(0) }))
    return Buffer.from(encodeIlpPacket(await s.bob_answers(prepare)))
  })
  const alice = new MemoryPlugin(async () => Buffer.alloc(0))
  const app = createApp({
    ilpAddress: 'test.node',
    backend: 'one-to-one',
    spread: 0,
    store: 'memory',
    adminApi: false,
    accounts: { alice: referenceAccount({ ...ALICE, ...s.alice }, alice), bob: referenceAccount({ ...BOB, ...s.bob }, bob) },
    routes: [{ targetPrefix: 'test.node.bob', peerId: 'bob' }],
  })
  await app.listen()
  return {
    send: async (prepare) => decodeIlpPacket(new Uint8Array(await alice.handler!(Buffer.from(encodePrepare(prepare))))),
    close: () => app.shutdown(),
  }
}

/** Runs `prepare` through both connectors; returns [ours, reference]. */
async function both(s: Scenario, prepare: () => IlpPrepare): Promise<[IlpPacket, IlpPacket]> {
  const a = await ours(s)
  const b = await reference(s)
  try {
    return [await a.send(prepare()), await b.send(prepare())]
  } finally {
    await Promise.all([a.close(), b.close()])
  }
}

function code(p: IlpPacket): string {
  return p.type === IlpPacketType.Reject ? p.code : p.type === IlpPacketType.Fulfill ? 'fulfill' : 'prepare'
}

/**
 * ilp-connector's expire middleware leaves a timer running until the packet's expiry when the packet is
 * rejected before it; short expiries keep this file quick.
 */
const EXPIRY_MS = 2_500
const prepareTo = (destination: string, fields: Partial<IlpPrepare> = {}, secret?: Secret) =>
  testPrepare({ destination, expiresAt: new Date(Date.now() + EXPIRY_MS), ...fields }, secret)

const fulfills = (secret: Secret): NextHop => async () => fulfillWith(secret)
/** For cases that must be answered before the next hop: reaching it shows up as T99. */
const silent: NextHop = async () => ({ type: IlpPacketType.Reject, code: 'T99', triggeredBy: 'test.node.bob', message: 'reached the next hop', data: new Uint8Array(0) })

describe('differential: our connector vs ilp-connector 23.0.2', () => {
  test('a fulfilled packet: both relay the same Fulfill', async () => {
    const secret = newSecret()
    const [mine, theirs] = await both({ bob_answers: fulfills(secret) }, () => prepareTo('test.node.bob.x', { amount: 10n }, secret))
    assert.equal(code(mine), 'fulfill')
    assert.deepEqual(encodeIlpPacket(mine), encodeIlpPacket(theirs))
  })

  test('a downstream Reject is relayed byte for byte by both', async () => {
    const answer: IlpReply = { type: IlpPacketType.Reject, code: 'F99', triggeredBy: 'test.node.bob', message: 'nope', data: new Uint8Array([1, 2]) }
    const [mine, theirs] = await both({ bob_answers: async () => answer }, () => prepareTo('test.node.bob'))
    assert.deepEqual(encodeIlpPacket(mine), encodeIlpPacket(answer))
    assert.deepEqual(encodeIlpPacket(theirs), encodeIlpPacket(answer))
  })

  const cases: { name: string; scenario: Scenario; prepare: () => IlpPrepare; expected: string }[] = [
    { name: 'no route', scenario: { bob_answers: silent }, prepare: () => prepareTo('test.elsewhere'), expected: 'F02' },
    { name: 'above maxPacketAmount', scenario: { alice: { maxPacketAmount: 99n }, bob_answers: silent }, prepare: () => prepareTo('test.node.bob', { amount: 100n }), expected: 'F08' },
    { name: 'below the sender minimum balance', scenario: { bob_answers: silent }, prepare: () => prepareTo('test.node.bob', { amount: 10_001n }), expected: 'T04' },
    { name: 'too little time left', scenario: { bob_answers: silent }, prepare: () => testPrepare({ destination: 'test.node.bob', expiresAt: new Date(Date.now() + 1_500) }), expected: 'R02' },
    { name: 'wrong fulfillment', scenario: { bob_answers: fulfills(newSecret()) }, prepare: () => prepareTo('test.node.bob'), expected: 'F05' },
  ]
  for (const c of cases) {
    test(`${c.name}: both answer ${c.expected} from test.node`, async () => {
      const [mine, theirs] = await both(c.scenario, c.prepare)
      assert.equal(code(mine), c.expected)
      assert.equal(code(theirs), c.expected)
      if (mine.type === IlpPacketType.Reject && theirs.type === IlpPacketType.Reject) {
        assert.equal(mine.triggeredBy, 'test.node')
        assert.equal(theirs.triggeredBy, 'test.node')
        if (c.expected === 'F08') assert.deepEqual([...mine.data], [...theirs.data], 'same F08 data')
      }
    })
  }

  test('peer.config from a child: the same ILDCP answer', async () => {
    const [mine, theirs] = await both({ bob_answers: silent }, () => ildcpRequest({ now: Date.now }))
    assert.equal(code(mine), 'fulfill')
    assert.deepEqual(encodeIlpPacket(mine), encodeIlpPacket(theirs))
  })

  test('on purpose different: an unknown peer.* address is F02 here, F01 there', async () => {
    const [mine, theirs] = await both({ bob_answers: silent }, () => prepareTo('peer.nothing', { amount: 0n }))
    assert.equal(code(mine), 'F02')
    assert.ok(['F01', 'F02'].includes(code(theirs)), code(theirs))
  })
})
