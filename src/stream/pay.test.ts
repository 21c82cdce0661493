import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Ratio } from '../money/ratio.js'
import { IlpPacketType, type IlpPrepare, type IlpReply } from '../ilp/types.js'
import { reject } from '../ilp/errors.js'
import { fakeConnector, t04 } from '../../test/stream-network.js'
import { createStreamReceiver, type MoneyReceived, type StreamReceiverOptions } from './receiver.js'
import { pay } from './sender.js'
import { verifyReceipt } from './receipt.js'
import { deriveStreamKeys, encryptStreamPacket, fulfillmentFor, sha256, decryptStreamPacket } from './crypto.js'
import { FrameType, StreamErrorCode, type Frame } from './frames.js'

function setup(t: { after: (fn: () => void) => void }, extra: Partial<StreamReceiverOptions> = {}) {
  const money: MoneyReceived[] = []
  const receiver = createStreamReceiver({
    address: 'test.bob',
    serverSecret: randomBytes(32),
    assetCode: 'EUR',
    assetScale: 2,
    onMoney: (e) => void money.push(e),
    ...extra,
  })
  t.after(() => receiver.close())
  const credited = (): bigint => money.reduce((sum, e) => sum + e.amount, 0n)
  return { receiver, money, credited, credentials: receiver.generateCredentials() }
}

describe('pay() → receiver', () => {
  test('fixed source amount over a 1:1 path, delivered to the unit', async (t) => {
    const { receiver, credited, credentials } = setup(t)
    const result = await pay({ ...credentials, sendPrepare: receiver.handlePrepare, amount: 1_000_000n, sourceAssetCode: 'EUR', sourceAssetScale: 2 })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    assert.equal(result.amountSent, 1_000_000n)
    assert.equal(result.amountDelivered, 1_000_000n)
    assert.equal(credited(), 1_000_000n)
    assert.equal(receiver.totalReceived, 1_000_000n)
    assert.equal(result.destinationAssetCode, 'EUR')
    assert.equal(result.destinationAssetScale, 2)
    assert.deepEqual(result.exchangeRate, Ratio.ONE)
  })

  test('exchange rate, max packet amount (F08) and many packets', async (t) => {
    const { receiver, credited, credentials } = setup(t)
    const net = fakeConnector(receiver.handlePrepare, { rate: { num: 3n, den: 7n }, maxPacketAmount: 10_000n })
    const result = await pay({ ...credentials, sendPrepare: net.send, amount: 1_234_567n })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    assert.equal(result.amountSent, 1_234_567n)
    assert.equal(result.maxPacketAmount, 10_000n)
    assert.equal(result.amountDelivered, net.stats.destinationFulfilled)
    assert.equal(credited(), net.stats.destinationFulfilled)
    assert.equal(net.stats.sourceFulfilled, 1_234_567n)
    // 3/7 floored per packet: never more than the exact product, never below it by more than a unit a packet
    assert.ok(result.amountDelivered <= (1_234_567n * 3n) / 7n)
    assert.ok(result.amountDelivered >= (1_234_567n * 3n) / 7n - BigInt(result.packetsFulfilled))
    assert.ok(result.packetsFulfilled >= 124)
    assert.ok((result.rejectsByCode.F08 ?? 0) >= 1)
  })

  test('fixed delivery reaches the target exactly (packets sized at the probed rate)', async (t) => {
    const { receiver, credited, credentials } = setup(t)
    const net = fakeConnector(receiver.handlePrepare, { rate: { num: 2n, den: 3n }, maxPacketAmount: 5_000n })
    const result = await pay({ ...credentials, sendPrepare: net.send, fixedDelivery: 100_000n })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    assert.equal(result.amountDelivered, 100_000n)
    assert.equal(credited(), result.amountDelivered)
    assert.equal(result.amountSent, net.stats.sourceFulfilled)
  })

  test('T04 backs off and the payment still completes', async (t) => {
    const { receiver, credited, credentials } = setup(t)
    const net = fakeConnector(receiver.handlePrepare, {
      maxPacketAmount: 1_000n,
      intercept: (p, i) => (p.executionCondition.length === 32 && i % 5 === 3 ? t04() : undefined),
    })
    const result = await pay({ ...credentials, sendPrepare: net.send, amount: 20_000n })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    assert.equal(credited(), 20_000n)
    assert.ok((result.rejectsByCode.T04 ?? 0) > 0)
  })

  test('slippage: a rate that drops mid-payment stops it with STREAM_RATE_TOO_LOW and nothing lost', async (t) => {
    const { receiver, credited, credentials } = setup(t)
    let rateNum = 100n
    const net = fakeConnector(async (p) => receiver.handlePrepare(p), { maxPacketAmount: 1_000n })
    const send = async (p: IlpPrepare) => {
      const reply = await net.send({ ...p, amount: (p.amount * rateNum) / 100n })
      rateNum = net.stats.fulfills >= 3 ? 90n : 100n
      return reply
    }
    const result = await pay({ ...credentials, sendPrepare: send, amount: 50_000n, slippage: '0.05' })
    assert.equal(result.status, 'failed')
    assert.equal(result.error?.code, 'STREAM_RATE_TOO_LOW')
    assert.equal(credited(), result.amountDelivered)
    assert.ok(result.amountSent < 50_000n)
  })

  test('a final reject stops the payment with its code', async (t) => {
    const { credentials } = setup(t)
    const result = await pay({ ...credentials, sendPrepare: async () => reject('F02', 'test.x', 'no route'), amount: 10n })
    assert.equal(result.status, 'failed')
    assert.equal(result.error?.code, 'F02')
    assert.equal(result.amountSent, 0n)
  })

  test('the receiver limit (StreamMaxMoney) stops the sender without overpaying', async (t) => {
    const { receiver, credited, credentials } = setup(t, { streamReceiveMax: 2_500n })
    const net = fakeConnector(receiver.handlePrepare, { maxPacketAmount: 1_000n })
    const result = await pay({ ...credentials, sendPrepare: net.send, amount: 10_000n })
    assert.equal(result.status, 'failed')
    assert.equal(result.error?.code, 'STREAM_RECEIVER_LIMIT')
    assert.equal(credited(), 2_500n)
    assert.equal(result.amountDelivered, 2_500n)
  })

  test('progress is reported and an abort stops the payment', async (t) => {
    const { receiver, credited, credentials } = setup(t)
    const net = fakeConnector(receiver.handlePrepare, { maxPacketAmount: 10n, delayMs: 2 })
    const controller = new AbortController()
    let reports = 0
    const result = await pay({
      ...credentials,
      sendPrepare: net.send,
      amount: 1_000_000n,
      signal: controller.signal,
      onProgress: (p) => {
        reports++
        if (p.amountSent >= 200n) controller.abort()
      },
    })
    assert.equal(result.status, 'failed')
    assert.equal(result.error?.code, 'STREAM_ABORTED')
    assert.ok(reports > 0)
    assert.equal(credited(), result.amountDelivered)
    assert.equal(result.amountInFlight, 0n)
  })

  test('every packet in flight hands the link one signal that follows the caller\'s, with no listener warning', async (t) => {
    const { receiver, credentials } = setup(t)
    const warnings: string[] = []
    const onWarning = (w: Error): void => void warnings.push(w.name)
    process.on('warning', onWarning)
    t.after(() => process.off('warning', onWarning))
    const controller = new AbortController()
    const linkSignals = new Set<AbortSignal>()
    let abortsSeen = 0
    const result = await pay({
      ...credentials,
      amount: 100_000n,
      maxPacketAmount: 100n,
      signal: controller.signal,
      // A link that listens on the signal per request, as the BTP session does; it answers a tick later, so
      // many packets are in flight at once.
      // (The closing packet goes without a signal: an abort must not stop it.)
      sendPrepare: (prepare, signal) => {
        if (signal !== undefined) linkSignals.add(signal)
        const onAbort = (): void => void abortsSeen++
        signal?.addEventListener('abort', onAbort, { once: true })
        return new Promise((resolve) => setImmediate(resolve)).then(() => {
          signal?.removeEventListener('abort', onAbort)
          if (signal?.aborted) throw new Error('aborted')
          return receiver.handlePrepare(prepare)
        })
      },
      onProgress: (p) => {
        if (p.amountSent >= 50_000n) controller.abort()
      },
    })
    await new Promise((resolve) => setImmediate(resolve)) // a warning is emitted on the next tick
    assert.equal(result.error?.code, 'STREAM_ABORTED')
    assert.equal(linkSignals.size, 1)
    assert.notEqual([...linkSignals][0], controller.signal)
    assert.ok([...linkSignals][0]!.aborted)
    assert.ok(abortsSeen > 10, `${abortsSeen} packets in flight saw the abort`)
    assert.deepEqual(warnings, [])
  })

  test('a link that never answers ends in an idle timeout, not a hang', async (t) => {
    const { credentials } = setup(t)
    const result = await pay({
      ...credentials,
      sendPrepare: (_p, signal) => new Promise((_resolve, rejectPromise) => signal?.addEventListener('abort', () => rejectPromise(new Error('aborted')))),
      amount: 10n,
      expiryWindowMs: 50,
      idleTimeoutMs: 300,
    })
    assert.equal(result.status, 'failed')
    assert.ok(['STREAM_RATE_PROBE_FAILED', 'STREAM_IDLE_TIMEOUT'].includes(result.error!.code), result.error!.code)
  })

  test('amount 0 completes at once without sending', async () => {
    let sent = 0
    const result = await pay({ destinationAccount: 'test.bob.x', sharedSecret: randomBytes(32), sendPrepare: async () => (sent++, reject('F02', '')), amount: 0n })
    assert.equal(result.status, 'completed')
    assert.equal(sent, 0)
    assert.equal(IlpPacketType.Prepare, 12)
  })

  test('two-way: the far end sends money back to our address on its own (even) stream', async (t) => {
    const { receiver, credentials } = setup(t)
    const keys = deriveStreamKeys(credentials.sharedSecret)
    let handler: ((p: IlpPrepare) => Promise<IlpReply>) | undefined
    const back: MoneyReceived[] = []
    const answers: IlpReply[] = []
    const fromFarEnd = (sequence: bigint, frames: Frame[], amount: bigint): IlpPrepare => {
      const data = encryptStreamPacket(keys.encryptionKey, { sequence, packetType: IlpPacketType.Prepare, amount: 0n, frames })
      return { type: IlpPacketType.Prepare, amount, expiresAt: new Date(Date.now() + 10_000), executionCondition: sha256(fulfillmentFor(keys.fulfillmentKey, data)), destination: 'test.alice', data }
    }
    const send = async (p: IlpPrepare): Promise<IlpReply> => {
      const reply = await receiver.handlePrepare(p)
      if (handler && answers.length === 0 && reply.type === IlpPacketType.Fulfill) {
        answers.push(await handler(fromFarEnd(1n, [{ type: FrameType.StreamMoney, streamId: 2n, shares: 1n }], 40n)))
        answers.push(await handler(fromFarEnd(2n, [{ type: FrameType.StreamMoney, streamId: 3n, shares: 1n }], 5n)))
      }
      return reply
    }
    const result = await pay({
      ...credentials,
      sendPrepare: send,
      amount: 100n,
      sourceAddress: 'test.alice',
      listen: (h) => {
        handler = h
        return () => void (handler = undefined)
      },
      onIncomingMoney: (e) => void back.push(e),
    })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    assert.equal(receiver.connections()[0]!.remoteAddress, 'test.alice')
    assert.equal(answers[0]!.type, IlpPacketType.Fulfill)
    assert.equal(back.reduce((sum, e) => sum + e.amount, 0n), 40n)
    // An odd stream is ours to open, not the far end's: ProtocolViolation.
    assert.equal(answers[1]!.type === IlpPacketType.Reject && answers[1]!.code, 'F99')
    const close = decryptStreamPacket(keys.encryptionKey, answers[1]!.data).frames.find((f) => f.type === FrameType.ConnectionClose)
    assert.equal(close?.type === FrameType.ConnectionClose && close.errorCode, StreamErrorCode.ProtocolViolation)
    assert.equal(handler, undefined, 'unregistered when the payment ends')
  })

  test('the receiver\'s money() iterator sees every fulfilled unit once', async (t) => {
    const { receiver, credentials } = setup(t)
    const net = fakeConnector(receiver.handlePrepare, { maxPacketAmount: 300n })
    const seen = (async () => {
      let total = 0n
      for await (const e of receiver.money()) {
        total += e.amount
        if (total >= 10_000n) break
      }
      return total
    })()
    const result = await pay({ ...credentials, sendPrepare: net.send, amount: 10_000n })
    assert.equal(result.status, 'completed')
    assert.equal(await seen, 10_000n)
  })

  test('data on the payment stream arrives in order and exactly once, with money and through rejects', async (t) => {
    const chunks: Uint8Array[] = []
    const { receiver, credited, credentials } = setup(t, { onData: (e) => void chunks.push(e.data) })
    const bytes = randomBytes(100_000)
    const net = fakeConnector(receiver.handlePrepare, {
      maxPacketAmount: 2_000n,
      intercept: (p, i) => (p.amount > 0n && i % 7 === 5 ? t04() : undefined),
    })
    const result = await pay({ ...credentials, sendPrepare: net.send, amount: 10_000n, data: bytes })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    assert.equal(credited(), 10_000n)
    assert.ok(Buffer.concat(chunks).equals(bytes))
  })

  test('data only (amount 0) is delivered too', async (t) => {
    const chunks: Uint8Array[] = []
    const { receiver, credited, credentials } = setup(t, { onData: (e) => void chunks.push(e.data) })
    const result = await pay({ ...credentials, sendPrepare: receiver.handlePrepare, amount: 0n, data: Buffer.from('hello, receiver') })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    assert.equal(Buffer.concat(chunks).toString(), 'hello, receiver')
    assert.equal(credited(), 0n)
  })

  test('fixed delivery that no packet can guarantee (rate × max packet < 1) stops instead of looping', async (t) => {
    const { receiver, credentials } = setup(t)
    const net = fakeConnector(receiver.handlePrepare, { rate: { num: 1n, den: 1_000n }, maxPacketAmount: 500n })
    const result = await pay({ ...credentials, sendPrepare: net.send, fixedDelivery: 10n })
    assert.equal(result.status, 'failed')
    assert.equal(result.error?.code, 'STREAM_RATE_TOO_LOW')
    assert.equal(result.amountSent, 0n)
  })

  test('an overall timeout ends the payment with what was delivered so far', async (t) => {
    const { receiver, credited, credentials } = setup(t)
    const net = fakeConnector(receiver.handlePrepare, { maxPacketAmount: 1n, delayMs: 20 })
    const result = await pay({ ...credentials, sendPrepare: net.send, amount: 1_000_000n, timeoutMs: 300 })
    assert.equal(result.status, 'failed')
    assert.equal(result.error?.code, 'STREAM_TIMEOUT')
    assert.ok(result.amountSent > 0n)
    assert.equal(credited(), result.amountDelivered)
    assert.equal(result.amountSent, net.stats.sourceFulfilled)
  })

  test('receipts (RFC 39): the result carries the receiver\'s latest receipt for the whole amount', async (t) => {
    const { receiver } = setup(t)
    const nonce = randomBytes(16)
    const secret = randomBytes(32)
    const credentials = receiver.generateCredentials({ receipt: { nonce, secret } })
    const net = fakeConnector(receiver.handlePrepare, { maxPacketAmount: 700n })
    const result = await pay({ destinationAccount: credentials.destinationAccount, sharedSecret: credentials.sharedSecret, sendPrepare: net.send, amount: 5_000n })
    assert.equal(result.status, 'completed')
    const receipt = verifyReceipt(result.receipt!, secret)
    assert.equal(receipt.totalReceived, 5_000n)
    assert.equal(receipt.streamId, 1)
  })

  test('the receiver closing the connection stops the sender with STREAM_CLOSED_BY_RECEIVER', async (t) => {
    const events: MoneyReceived[] = []
    let receiverRef: ReturnType<typeof createStreamReceiver> | undefined
    const { receiver, credentials } = setup(t, {
      onMoney: (e) => {
        events.push(e)
        if (events.length === 3) receiverRef!.closeConnection(e.connectionId, StreamErrorCode.ApplicationError, 'enough')
      },
    })
    receiverRef = receiver
    const net = fakeConnector(receiver.handlePrepare, { maxPacketAmount: 100n })
    const result = await pay({ ...credentials, sendPrepare: net.send, amount: 10_000n, packetsInFlightMax: 1 })
    assert.equal(result.status, 'failed')
    assert.equal(result.error?.code, 'STREAM_CLOSED_BY_RECEIVER')
    assert.match(result.error!.message, /ApplicationError/)
    assert.equal(result.amountDelivered, events.reduce((sum, e) => sum + e.amount, 0n))
    assert.equal(receiver.connections()[0]!.state, 'closed')
  })

  test('minExchangeRate: a path below it sends nothing; above it the minimum per packet follows it', async (t) => {
    const { receiver, credited, credentials } = setup(t)
    const net = fakeConnector(receiver.handlePrepare, { rate: { num: 9n, den: 10n }, maxPacketAmount: 1_000n })
    const refused = await pay({ ...credentials, sendPrepare: net.send, amount: 5_000n, minExchangeRate: Ratio.from(95n, 100n) })
    assert.equal(refused.status, 'failed')
    assert.equal(refused.error?.code, 'STREAM_RATE_TOO_LOW')
    assert.equal(refused.amountSent, 0n)
    assert.equal(credited(), 0n)
    const ok = await pay({ ...receiver.generateCredentials(), sendPrepare: net.send, amount: 5_000n, minExchangeRate: Ratio.from(85n, 100n) })
    assert.equal(ok.status, 'completed', JSON.stringify(ok.error))
    assert.equal(ok.amountDelivered, 4_500n)
  })

  test('F08 without data: the limit is found by halving, not one unit at a time', async (t) => {
    const { receiver, credited, credentials } = setup(t)
    const net = fakeConnector(receiver.handlePrepare, {
      intercept: (p) => (p.amount > 500n ? reject('F08', 'test.connector', 'too much, no data') : undefined),
    })
    const result = await pay({ ...credentials, sendPrepare: net.send, amount: 20_000n })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    assert.equal(credited(), 20_000n)
    assert.ok(result.rejectsByCode.F08! < 60, `F08s: ${result.rejectsByCode.F08}`)
    assert.deepEqual(result.exchangeRate, Ratio.ONE)
  })
})
