/**
 * Test doubles for the connector (also handy for other layers' tests): accounts with sane defaults, a
 * condition/fulfillment pair, Prepares, and a "receiver" end of a loopback link that fulfills what it knows.
 * Not exported from the package root.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Account } from '../accounts/types.js'
import { IlpPacketType, type IlpFulfill, type IlpPrepare, type IlpReply } from '../ilp/types.js'
import { reject } from '../ilp/errors.js'
import type { Link } from '../link/types.js'

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
