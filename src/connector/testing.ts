/**
 * Test doubles for the connector (also handy for other layers' tests): accounts with sane defaults, a
 * condition/fulfillment pair, Prepares, and a "receiver" end of a loopback link that fulfills what it knows.
 * Not exported from the package root.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import type { Account } from '../accounts/types.js'
import { IlpPacketType, isReject, type IlpFulfill, type IlpPrepare, type IlpReject, type IlpReply } from '../ilp/types.js'
import { reject } from '../ilp/errors.js'
import type { Link } from '../link/types.js'
import { createMemoryLedger } from '../accounts/memory-ledger.js'
import type { Ledger } from '../accounts/journal.js'
import { createLoopbackLinkPair, type LoopbackLink } from '../link/loopback.js'
import { createConnector, type Connector, type ConnectorOptions } from './connector.js'
import { createStaticRates } from './rates.js'

export function testAccount(id: string, overrides: Partial<Account> = {}): Account {
  return { id, relation: 'peer', assetCode: 'USD', assetScale: 2, minBalance: -1_000_000_000n, ...overrides }
}

export interface Secret {
  readonly fulfillment: Uint8Array
  readonly condition: Uint8Array
}

export function newSecret(): Secret {
  const fulfillment = new Uint8Array(randomBytes(32))
  return { fulfillment, condition: new Uint8Array(createHash('sha256').update(fulfillment).digest()) }
}

let sequence = 0

export function testPrepare(fields: Partial<IlpPrepare> & { destination: string }, secret: Secret = newSecret(), now = Date.now()): IlpPrepare {
  const data = new Uint8Array(8)
  new DataView(data.buffer).setUint32(4, ++sequence)
  return {
    type: IlpPacketType.Prepare,
    amount: 100n,
    expiresAt: new Date(now + 10_000),
    executionCondition: secret.condition,
    data,
    ...fields,
  }
}

export function fulfillWith(secret: Secret, data: Uint8Array = new Uint8Array(0)): IlpFulfill {
  return { type: IlpPacketType.Fulfill, fulfillment: secret.fulfillment, data }
}

/**
 * Makes `link` answer like a receiver: a Prepare whose condition it knows is fulfilled, anything else gets
 * F06. Returns the Prepares it saw.
 */
export function fulfillingReceiver(link: Link, secrets: Iterable<Secret>, triggeredBy = 'test.receiver'): IlpPrepare[] {
  const known = new Map<string, Secret>()
  for (const s of secrets) known.set(Buffer.from(s.condition).toString('hex'), s)
  const seen: IlpPrepare[] = []
  link.handle(async (prepare): Promise<IlpReply> => {
    seen.push(prepare)
    const secret = known.get(Buffer.from(prepare.executionCondition).toString('hex'))
    return secret === undefined ? reject('F06', triggeredBy, 'unknown condition') : fulfillWith(secret)
  })
  return seen
}

// ---------------------------------------------------------------------------------------------- one node

export interface NodeHarness {
  readonly connector: Connector
  readonly ledger: Ledger
  /** Peer ends of the links the harness made, by account id. */
  readonly peers: Map<string, LoopbackLink>
  /** Adds an account with a loopback link; returns the peer's end of it. */
  connect(account: Account): LoopbackLink
  close(): Promise<void>
}

/** A connector at `test.node` on a memory ledger with USD=1, EUR=0.92 rates. */
export function nodeHarness(options: Partial<ConnectorOptions> = {}): NodeHarness {
  const ledger = options.ledger === undefined ? createMemoryLedger() : (options.ledger as Ledger)
  const connector = createConnector({
    address: 'test.node',
    assetCode: 'USD',
    assetScale: 2,
    rates: createStaticRates({ USD: '1', EUR: '0.92' }, 'USD'),
    ...options,
    ledger,
  })
  const peers = new Map<string, LoopbackLink>()
  return {
    connector,
    ledger,
    peers,
    connect(account) {
      const [nodeEnd, peerEnd] = createLoopbackLinkPair()
      connector.addAccount(account, nodeEnd)
      peers.set(account.id, peerEnd)
      return peerEnd
    },
    async close() {
      await connector.close()
      await ledger.close()
    },
  }
}

// ---------------------------------------------------------------------------------------------- assertions

export function assertReject(reply: IlpReply, code: string, triggeredBy = 'test.node'): asserts reply is IlpReject {
  assert.ok(isReject(reply), `expected ${code}, got a Fulfill`)
  assert.equal(reply.code, code, `${reply.code}: ${reply.message}`)
  assert.equal(reply.triggeredBy, triggeredBy)
}

/** Nothing moved and nothing is held. */
export async function assertUntouched(h: NodeHarness, ids: string[]): Promise<void> {
  for (const id of ids) assert.deepEqual(h.ledger.snapshot(id), { balance: 0n, pendingIncoming: 0n, pendingOutgoing: 0n }, id)
  assert.equal(h.ledger.liveHolds(), 0)
  assert.equal((await h.ledger.readJournal()).length, 0)
  assert.equal((await h.ledger.verify()).ok, true)
}

/** A node with `alice` (sender, routes test.alice) and `bob` (routes test.bob, fulfills one secret). */
export function aliceAndBob(options: Partial<ConnectorOptions> = {}) {
  const h = nodeHarness(options)
  h.connector.addAccount(testAccount('alice', { routes: ['test.alice'] }))
  const secret = newSecret()
  const bob = h.connect(testAccount('bob', { routes: ['test.bob'] }))
  const seen = fulfillingReceiver(bob, [secret], 'test.bob')
  return { h, secret, bob, seen }
}

