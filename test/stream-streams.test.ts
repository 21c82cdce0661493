/**
 * `pay({ streams })`: one payment split over several STREAM streams (client IDs 1, 3, 5, …), checked per
 * stream to the unit against our receiver and an ilp-protocol-stream 2.7.1 server (wired in memory as in
 * stream-interop.test.ts; the Node ≥ 18 `closed` work-around is in interop-notes.md).
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { IlpPrepare, IlpReply } from '../src/ilp/types.js'
import { createStreamReceiver, type DataReceived, type MoneyReceived } from '../src/stream/receiver.js'
import { pay } from '../src/stream/sender.js'
import { IlpPacketType } from '../src/ilp/types.js'
import { decryptStreamPacket, deriveStreamKeys, encryptStreamPacket, fulfillmentFor, sha256 } from '../src/stream/crypto.js'
import { FrameType, type Frame } from '../src/stream/frames.js'
import { fakeConnector } from './stream-network.js'
import { startJsStreamServer } from './support/js-stream.js'

function ourReceiver(t: { after: (fn: () => void) => void }) {
  const money: MoneyReceived[] = []
  const data: DataReceived[] = []
  const receiver = createStreamReceiver({
    address: 'test.bob',
    serverSecret: randomBytes(32),
    assetCode: 'EUR',
    assetScale: 2,
    onMoney: (e) => void money.push(e),
    onData: (e) => void data.push(e),
  })
  t.after(() => receiver.close())
  const creditedOn = (streamId: bigint): bigint => money.reduce((sum, e) => sum + e.streams.filter((x) => x.streamId === streamId).reduce((a, x) => a + x.amount, 0n), 0n)
  const bytesOn = (streamId: bigint): Buffer => Buffer.concat(data.filter((e) => e.streamId === streamId).sort((a, b) => (a.offset < b.offset ? -1 : 1)).map((e) => e.data))
  return { receiver, money, creditedOn, bytesOn, credentials: receiver.generateCredentials() }
}

describe('pay({ streams }) → our receiver', () => {
  test('three streams over a 1:1 path: each gets its share to the unit, data on two arrives intact', async (t) => {
    const { receiver, money, creditedOn, bytesOn, credentials } = ourReceiver(t)
    const first = randomBytes(40_000)
    const third = randomBytes(5_000)
    const keys = deriveStreamKeys(credentials.sharedSecret)
    let lastFrames: readonly Frame[] = []
    const result = await pay({
      ...credentials,
      sendPrepare: (p) => {
        lastFrames = decryptStreamPacket(keys.encryptionKey, p.data).frames
        return receiver.handlePrepare(p)
      },
      amount: 1_000_000n,
      maxPacketAmount: 70_000n,
      streams: [{ amount: 500_000n, data: first }, { amount: 300_001n }, { amount: 199_999n, data: third }],
    })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    assert.equal(result.amountSent, 1_000_000n)
    assert.deepEqual(
      result.streams!.map((st) => [st.streamId, st.amountSent, st.amountDelivered, st.dataAcked]),
      [[1n, 500_000n, 500_000n, 40_000], [3n, 300_001n, 300_001n, 0], [5n, 199_999n, 199_999n, 5_000]],
    )
    assert.equal(creditedOn(1n), 500_000n)
    assert.equal(creditedOn(3n), 300_001n)
    assert.equal(creditedOn(5n), 199_999n)
    assert.ok(bytesOn(1n).equals(first))
    assert.ok(bytesOn(5n).equals(third))
    assert.equal(bytesOn(3n).length, 0)
    // Packets at a boundary carried two StreamMoney frames.
    assert.ok(money.some((e) => e.streams.length === 2))
    assert.equal(receiver.connections()[0]!.state, 'closed')
    // The last packet closes the money-only stream 3; the data streams close with the connection.
    assert.deepEqual(lastFrames.map((f) => [f.type, 'streamId' in f ? f.streamId : undefined]), [[FrameType.StreamClose, 3n], [FrameType.ConnectionClose, undefined]])
  })

  test('at 3/7 the sender counts each stream\'s delivery as the receiver split it', async (t) => {
    const { receiver, creditedOn, credentials } = ourReceiver(t)
    const net = fakeConnector(receiver.handlePrepare, { rate: { num: 3n, den: 7n }, maxPacketAmount: 9_999n })
    const result = await pay({ ...credentials, sendPrepare: net.send, amount: 100_003n, streams: [{ amount: 33_334n }, { amount: 33_334n }, { amount: 33_335n }] })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    assert.deepEqual(result.streams!.map((st) => st.amountSent), [33_334n, 33_334n, 33_335n])
    for (const st of result.streams!) assert.equal(st.amountDelivered, creditedOn(st.streamId), `stream ${st.streamId}`)
    assert.equal(result.streams!.reduce((sum, st) => sum + st.amountDelivered, 0n), net.stats.destinationFulfilled)
    assert.equal(result.amountDelivered, net.stats.destinationFulfilled)
  })

  test('fixed delivery: the money rides on stream 1, stream 3 carries data', async (t) => {
    const { receiver, creditedOn, bytesOn, credentials } = ourReceiver(t)
    const bytes = randomBytes(20_000)
    const result = await pay({ ...credentials, sendPrepare: receiver.handlePrepare, fixedDelivery: 12_345n, streams: [{}, { data: bytes }] })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    assert.equal(result.amountDelivered, 12_345n)
    assert.equal(creditedOn(1n), 12_345n)
    assert.equal(creditedOn(3n), 0n)
    assert.ok(bytesOn(3n).equals(bytes))
    assert.equal(result.streams![1]!.dataAcked, 20_000)
  })

  test('regression: an empty StreamData frame at offset 0 is fulfilled, not T00', async (t) => {
    const { receiver, credentials } = ourReceiver(t)
    const keys = deriveStreamKeys(credentials.sharedSecret)
    const frames: Frame[] = [{ type: FrameType.StreamData, streamId: 1n, offset: 0n, data: new Uint8Array(0) }]
    const data = encryptStreamPacket(keys.encryptionKey, { sequence: 1n, packetType: IlpPacketType.Prepare, amount: 0n, frames })
    const prepare: IlpPrepare = {
      type: IlpPacketType.Prepare,
      amount: 0n,
      expiresAt: new Date(Date.now() + 30_000),
      executionCondition: sha256(fulfillmentFor(keys.fulfillmentKey, data)),
      destination: credentials.destinationAccount,
      data,
    }
    const reply = await receiver.handlePrepare(prepare)
    assert.equal(reply.type, IlpPacketType.Fulfill)
  })

  test('bad streams are refused before anything is sent', async () => {
    const sendPrepare = async (): Promise<IlpReply> => assert.fail('nothing may be sent')
    const base = { destinationAccount: 'test.bob.x', sharedSecret: randomBytes(32), sendPrepare }
    await assert.rejects(pay({ ...base, amount: 10n, streams: [{ amount: 4n }, { amount: 5n }] }), RangeError)
    await assert.rejects(pay({ ...base, fixedDelivery: 10n, streams: [{ amount: 10n }] }), TypeError)
    await assert.rejects(pay({ ...base, amount: 10n, streams: [] }), RangeError)
    await assert.rejects(pay({ ...base, amount: 10n, data: new Uint8Array(1), streams: [{ amount: 10n }] }), TypeError)
  })
})

describe('pay({ streams }) → ilp-protocol-stream 2.7.1 server', () => {
  test('two streams: each server-side stream receives its share, data intact', async (t) => {
    const { plugin, server } = await startJsStreamServer(t)
    const received = new Map<number, bigint>()
    const chunks = new Map<number, Buffer[]>()
    server.on('connection', (conn: any) => {
      conn.on('stream', (stream: any) => {
        stream.setReceiveMax('18446744073709551615')
        stream.on('money', (amount: string) => void received.set(stream.id, (received.get(stream.id) ?? 0n) + BigInt(amount)))
        stream.on('data', (chunk: Buffer) => void chunks.set(stream.id, [...(chunks.get(stream.id) ?? []), chunk]))
      })
    })
    const bytes = randomBytes(30_000)
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    const result = await pay({
      destinationAccount,
      sharedSecret,
      sendPrepare: (p) => plugin.deliver(p),
      amount: 987_654n,
      maxPacketAmount: 100_000n,
      streams: [{ amount: 600_001n }, { amount: 387_653n, data: bytes }],
    })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    await new Promise((r) => setTimeout(r, 200))
    assert.equal(received.get(1), 600_001n)
    assert.equal(received.get(3), 387_653n)
    assert.deepEqual(result.streams!.map((st) => [st.streamId, st.amountDelivered]), [[1n, 600_001n], [3n, 387_653n]])
    const got = Buffer.concat(chunks.get(3) ?? [])
    assert.ok(got.equals(bytes), `got ${got.length} of ${bytes.length} bytes`)
    assert.equal(chunks.get(1), undefined)
  })
})
