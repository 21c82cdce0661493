/**
 * The one test suite every Link passes (STYLE.md habit 12): loopback, BTP and ILP-over-HTTP pairs are driven
 * through the same cases, so the connector can treat them alike. Call it from a `*.test.ts` file:
 *
 *   runLinkContract('btp', async () => { ...; return { a, b, close } })
 *
 * `a` and `b` are the two ends of one bilateral link; `close` releases everything the pair holds (servers too).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { IlpPacketType, isFulfill, isReject, type IlpPrepare, type IlpReply } from '../ilp/types.js'
import { reject } from '../ilp/errors.js'
import { ILP_DATA_MAX_LENGTH } from '../ilp/packet.js'
import { LinkError, type Link } from './types.js'

export interface LinkPair {
  readonly a: Link
  readonly b: Link
  close(): Promise<void>
}

export type MakeLinkPair = () => Promise<LinkPair>

/**
 * Checks a link that answers through the callback form of `handle`: `b.handle(handler, callback)`, one send
 * that is fulfilled, one whose reply cannot be encoded (the link must fail that send with LINK_REMOTE and keep
 * serving), one more fulfilled; the callback, never the handler, must have answered all three.
 */
export async function checkCallbackAnswers(pair: LinkPair): Promise<void> {
  let viaPromise = 0
  let viaCallback = 0
  pair.b.handle(
    async (prepare) => {
      viaPromise++
      return echoFulfill(prepare)
    },
    (prepare, done) => {
      viaCallback++
      if (prepare.amount === 13n) return done({ type: IlpPacketType.Reject, code: 'nope', triggeredBy: '', message: '', data: new Uint8Array(0) })
      done(echoFulfill(prepare))
    },
  )
  assert.ok(isFulfill(await pair.a.send(contractPrepare())))
  await assert.rejects(pair.a.send(contractPrepare({ amount: 13n })), (err: LinkError) => err.code === 'LINK_REMOTE')
  assert.ok(isFulfill(await pair.a.send(contractPrepare())), 'the link keeps serving')
  assert.deepEqual([viaPromise, viaCallback], [0, 3])
}

let sequence = 0

/** A Prepare with unique data, so every reply can be matched to its packet. */
export function contractPrepare(overrides: Partial<IlpPrepare> = {}): IlpPrepare {
  const data = new Uint8Array(16)
  new DataView(data.buffer).setUint32(0, ++sequence)
  return {
    type: IlpPacketType.Prepare,
    amount: 1000n + BigInt(sequence),
    expiresAt: new Date(Date.now() + 30_000),
    executionCondition: new Uint8Array(randomBytes(32)),
    destination: 'test.contract.receiver',
    data,
    ...overrides,
  }
}

/** A Fulfill whose data echoes the Prepare's, so the test sees which packet it answers. */
export function echoFulfill(prepare: IlpPrepare): IlpReply {
  return { type: IlpPacketType.Fulfill, fulfillment: new Uint8Array(32).fill(7), data: prepare.data.slice() }
}

/** Byte equality whatever the view type (a link may hand back Buffers). */
function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.equal(Buffer.from(actual).toString('hex'), Buffer.from(expected).toString('hex'), what)
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

async function withPair(makePair: MakeLinkPair, body: (pair: LinkPair) => Promise<void>): Promise<void> {
  const pair = await makePair()
  try {
    await body(pair)
  } finally {
    await pair.close()
  }
}

/** Resolves with the error a promise rejects with; fails the test if it resolves or takes longer than `ms`. */
async function rejection(promise: Promise<unknown>, ms = 5_000): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`still pending after ${ms} ms`)), ms)
  })
  try {
    await Promise.race([promise.then(() => assert.fail('expected the send to fail')), timeout])
    return undefined
  } catch (err) {
    return err
  } finally {
    clearTimeout(timer)
  }
}

export function runLinkContract(name: string, makePair: MakeLinkPair): void {
  describe(`link contract: ${name}`, () => {
    test('delivers a Prepare unchanged and returns the Fulfill', () =>
      withPair(makePair, async ({ a, b }) => {
        const seen: IlpPrepare[] = []
        b.handle(async (prepare) => {
          seen.push(prepare)
          return echoFulfill(prepare)
        })
        assert.equal(a.connected, true)
        const prepare = contractPrepare()
        const reply = await a.send(prepare)
        assert.ok(isFulfill(reply))
        sameBytes(reply.fulfillment, new Uint8Array(32).fill(7), "fulfillment")
        sameBytes(reply.data, prepare.data, 'reply.data')
        assert.equal(seen.length, 1)
        const got = seen[0]!
        assert.equal(got.amount, prepare.amount)
        assert.equal(got.expiresAt.getTime(), prepare.expiresAt.getTime())
        sameBytes(got.executionCondition, prepare.executionCondition, 'got.executionCondition')
        assert.equal(got.destination, prepare.destination)
        sameBytes(got.data, prepare.data, 'got.data')
      }))

    test('returns a Reject with every field intact', () =>
      withPair(makePair, async ({ a, b }) => {
        const data = new Uint8Array([1, 2, 3, 4])
        b.handle(async () => reject('F99', 'test.contract.receiver', 'no thanks ✓', data))
        const reply = await a.send(contractPrepare())
        assert.ok(isReject(reply))
        assert.equal(reply.code, 'F99')
        assert.equal(reply.triggeredBy, 'test.contract.receiver')
        assert.equal(reply.message, 'no thanks ✓')
        sameBytes(reply.data, data, 'reply.data')
      }))

    test('works in both directions', () =>
      withPair(makePair, async ({ a, b }) => {
        a.handle(async (prepare) => echoFulfill(prepare))
        b.handle(async (prepare) => echoFulfill(prepare))
        const fromA = contractPrepare()
        const fromB = contractPrepare()
        const [r1, r2] = await Promise.all([a.send(fromA), b.send(fromB)])
        assert.ok(isFulfill(r1) && isFulfill(r2))
        sameBytes(r1.data, fromA.data, 'r1.data')
        sameBytes(r2.data, fromB.data, 'r2.data')
      }))

    test('matches 200 packets in flight to their own replies', () =>
      withPair(makePair, async ({ a, b }) => {
        b.handle(async (prepare) => {
          await sleep(prepare.data[3]! % 5)
          return echoFulfill(prepare)
        })
        const prepares = Array.from({ length: 200 }, () => contractPrepare())
        const replies = await Promise.all(prepares.map((p) => a.send(p)))
        replies.forEach((reply, i) => {
          assert.ok(isFulfill(reply))
          sameBytes(reply.data, prepares[i]!.data, 'reply.data')
        })
      }))

    test('carries a Prepare with the largest data allowed', () =>
      withPair(makePair, async ({ a, b }) => {
        b.handle(async (prepare) => echoFulfill(prepare))
        const data = new Uint8Array(randomBytes(ILP_DATA_MAX_LENGTH))
        const reply = await a.send(contractPrepare({ data }))
        assert.ok(isFulfill(reply))
        sameBytes(reply.data, data, 'reply.data')
      }))

    test('a handler that throws gives a T-class Reject or a LinkError, never a hang', () =>
      withPair(makePair, async ({ a, b }) => {
        b.handle(async () => {
          throw new Error('handler bug')
        })
        const outcome = await a.send(contractPrepare()).then(
          (reply) => reply,
          (err: unknown) => err,
        )
        if (outcome instanceof LinkError) return
        assert.ok(!(outcome instanceof Error), `unexpected error ${String(outcome)}`)
        const reply = outcome as IlpReply
        assert.ok(isReject(reply) && reply.code.startsWith('T'), 'expected a T-class Reject')
      }))

    test('an aborted send fails promptly', () =>
      withPair(makePair, async ({ a, b }) => {
        b.handle(() => new Promise(() => {}))
        const controller = new AbortController()
        const sent = rejection(a.send(contractPrepare(), controller.signal))
        await sleep(20)
        controller.abort()
        assert.ok((await sent) instanceof Error)
      }))

    test('close fails the packets in flight and later sends with a LinkError', () =>
      withPair(makePair, async ({ a, b }) => {
        b.handle(() => new Promise(() => {}))
        const inFlight = rejection(a.send(contractPrepare()))
        await sleep(20)
        await a.close()
        const err = await inFlight
        assert.ok(err instanceof LinkError, `expected a LinkError, got ${String(err)}`)
        assert.equal(a.connected, false)
        assert.ok((await rejection(a.send(contractPrepare()))) instanceof LinkError)
      }))
  })
}
