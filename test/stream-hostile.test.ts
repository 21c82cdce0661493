/**
 * Hostile input against the STREAM receiver and sender: tampering, replays, wrong sequences, flow-control and
 * stream-ID violations, absurd amounts. Each case checks the reply code, the close code, that no money was
 * credited that was not delivered, and that other connections keep working.
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { IlpPacketType, type IlpPrepare, type IlpReject, type IlpReply } from '../src/ilp/types.js'
import { reject } from '../src/ilp/errors.js'
import { MAX_UINT64 } from '../src/oer/reader.js'
import { decryptStreamPacket, deriveStreamKeys, encryptStreamPacket, fulfillmentFor, randomCondition, sha256 } from '../src/stream/crypto.js'
import { FrameType, StreamErrorCode, type Frame } from '../src/stream/frames.js'
import type { StreamPacket } from '../src/stream/packet.js'
import { verifyReceipt } from '../src/stream/receipt.js'
import { createStreamReceiver, type DataReceived, type MoneyReceived, type StreamReceiverOptions } from '../src/stream/receiver.js'
import { pay } from '../src/stream/sender.js'

function setup(t: { after: (fn: () => void) => void }, extra: Partial<StreamReceiverOptions> = {}) {
  const money: MoneyReceived[] = []
  const data: DataReceived[] = []
  let clock = 1_000_000
  const receiver = createStreamReceiver({
    address: 'test.bob',
    serverSecret: randomBytes(32),
    assetCode: 'EUR',
    assetScale: 2,
    now: () => clock,
    onMoney: (e) => void money.push(e),
    onData: (e) => void data.push(e),
    ...extra,
  })
  t.after(() => receiver.close())
  return {
    receiver,
    money,
    data,
    credited: () => money.reduce((sum, e) => sum + e.amount, 0n),
    advance: (ms: number) => void (clock += ms),
  }
}

/** A hand-driven client: builds exactly the packets a test wants. */
function rawClient(credentials: { destinationAccount: string; sharedSecret: Uint8Array }) {
  const keys = deriveStreamKeys(credentials.sharedSecret)
  let sequence = 0n
  return {
    prepare(frames: Frame[], o: { amount?: bigint; min?: bigint; fulfillable?: boolean; sequence?: bigint; packetType?: IlpPacketType } = {}): IlpPrepare {
      const packet: StreamPacket = { sequence: o.sequence ?? ++sequence, packetType: o.packetType ?? IlpPacketType.Prepare, amount: o.min ?? 0n, frames }
      const data = encryptStreamPacket(keys.encryptionKey, packet)
      const executionCondition = o.fulfillable === false ? randomCondition() : sha256(fulfillmentFor(keys.fulfillmentKey, data))
      return { type: IlpPacketType.Prepare, amount: o.amount ?? 0n, expiresAt: new Date(Date.now() + 30_000), executionCondition, destination: credentials.destinationAccount, data }
    },
    read(reply: IlpReply): StreamPacket {
      return decryptStreamPacket(keys.encryptionKey, reply.data)
    },
  }
}

const money = (streamId: bigint, shares: bigint): Frame => ({ type: FrameType.StreamMoney, streamId, shares })
const code = (reply: IlpReply): string => (reply.type === IlpPacketType.Reject ? reply.code : 'fulfill')
const closeCodeOf = (packet: StreamPacket): number | undefined => packet.frames.find((f) => f.type === FrameType.ConnectionClose)?.errorCode as number | undefined

describe('receiver under hostile input', () => {
  test('tampered ciphertext → F06, nothing stored, nothing credited', async (t) => {
    const { receiver, credited } = setup(t)
    const client = rawClient(receiver.generateCredentials())
    const p = client.prepare([money(1n, 1n)], { amount: 100n })
    for (const i of [0, 13, 40, p.data.length - 1]) {
      const data = new Uint8Array(p.data)
      data[i]! ^= 0x80
      const reply = await receiver.handlePrepare({ ...p, data })
      assert.equal(code(reply), 'F06')
    }
    assert.equal(code(await receiver.handlePrepare({ ...p, data: new Uint8Array(0) })), 'F06')
    assert.equal(receiver.connections().length, 0)
    assert.equal(credited(), 0n)
  })

  test('unknown tokens and missing tokens → F02', async (t) => {
    const { receiver } = setup(t)
    const client = rawClient({ destinationAccount: 'test.bob.bogus!', sharedSecret: randomBytes(32) })
    assert.equal(code(await receiver.handlePrepare(client.prepare([]))), 'F02')
    assert.equal(code(await receiver.handlePrepare({ ...client.prepare([]), destination: 'test.bob' })), 'F02')
    assert.equal(code(await receiver.handlePrepare({ ...client.prepare([]), destination: 'test.bobby.x' })), 'F02')
  })

  test('a replayed Prepare is refused and its money is reported once', async (t) => {
    const { receiver, credited, money: events } = setup(t)
    const client = rawClient(receiver.generateCredentials())
    const p = client.prepare([money(1n, 1n)], { amount: 500n })
    assert.equal(code(await receiver.handlePrepare(p)), 'fulfill')
    const again = await receiver.handlePrepare(p)
    assert.equal(code(again), 'F99')
    assert.equal(client.read(again).amount, 500n)
    assert.equal(credited(), 500n)
    assert.equal(events.length, 1)
  })

  test('a concurrent duplicate is refused too (no await between check and update)', async (t) => {
    const { receiver, credited } = setup(t, { onMoney: async () => new Promise((r) => setTimeout(r, 5)) })
    const client = rawClient(receiver.generateCredentials())
    const p = client.prepare([money(1n, 1n)], { amount: 500n })
    const replies = await Promise.all([receiver.handlePrepare(p), receiver.handlePrepare(p), receiver.handlePrepare(p)])
    assert.deepEqual(replies.map(code).sort(), ['F99', 'F99', 'fulfill'])
    assert.equal(receiver.totalReceived, 500n)
    assert.equal(credited(), 0n) // this onMoney collects nothing; totals prove the single credit
  })

  test('a sequence beyond 2^31 closes the connection (ProtocolViolation), nothing credited', async (t) => {
    const { receiver, credited } = setup(t)
    const client = rawClient(receiver.generateCredentials())
    const reply = await receiver.handlePrepare(client.prepare([money(1n, 1n)], { amount: 10n, sequence: 2n ** 31n + 1n }))
    assert.equal(code(reply), 'F99')
    assert.equal(closeCodeOf(client.read(reply)), StreamErrorCode.ProtocolViolation)
    assert.equal(credited(), 0n)
  })

  test('past connectionsMax new connections are refused EndpointBusy; existing ones keep working', async (t) => {
    const { receiver, credited } = setup(t, { connectionsMax: 2 })
    const clients = [0, 1, 2].map(() => rawClient(receiver.generateCredentials()))
    for (const c of clients.slice(0, 2)) assert.equal(code(await receiver.handlePrepare(c.prepare([money(1n, 1n)], { amount: 1n }))), 'fulfill')
    const busy = await receiver.handlePrepare(clients[2]!.prepare([money(1n, 1n)], { amount: 1n }))
    assert.equal(closeCodeOf(clients[2]!.read(busy)), StreamErrorCode.EndpointBusy)
    assert.equal(code(await receiver.handlePrepare(clients[0]!.prepare([money(1n, 1n)], { amount: 1n }))), 'fulfill')
    assert.equal(credited(), 3n)
    assert.equal(receiver.connections().length, 2)
  })

  test('Blocked frames get the stream\'s limits back and open nothing', async (t) => {
    const { receiver } = setup(t, { streamReceiveMax: 1_000n })
    const client = rawClient(receiver.generateCredentials())
    await receiver.handlePrepare(client.prepare([money(1n, 1n)], { amount: 400n }))
    const reply = await receiver.handlePrepare(client.prepare([
      { type: FrameType.StreamMoneyBlocked, streamId: 1n, sendMax: 2_000n, totalSent: 400n },
      { type: FrameType.StreamDataBlocked, streamId: 7n, maxOffset: 10n },
    ]))
    const max = client.read(reply).frames.find((f) => f.type === FrameType.StreamMaxMoney)
    assert.deepEqual(max, { type: FrameType.StreamMaxMoney, streamId: 1n, receiveMax: 1_000n, totalReceived: 400n })
    assert.equal(receiver.connections()[0]!.streams, 1)
  })

  test('an expired Prepare is refused R00 and credits nothing', async (t) => {
    const { receiver, credited, advance } = setup(t)
    const client = rawClient(receiver.generateCredentials())
    const p = client.prepare([money(1n, 1n)], { amount: 10n })
    advance(p.expiresAt.getTime()) // the injected clock jumps past the expiry
    assert.equal(code(await receiver.handlePrepare(p)), 'R00')
    assert.equal(credited(), 0n)
  })

  test('a STREAM packet on the wrong ILP type → F06', async (t) => {
    const { receiver } = setup(t)
    const client = rawClient(receiver.generateCredentials())
    assert.equal(code(await receiver.handlePrepare(client.prepare([money(1n, 1n)], { amount: 5n, packetType: IlpPacketType.Fulfill }))), 'F06')
  })

  test('amount below the sender minimum, and absurd minimums → F99 with the amount that arrived', async (t) => {
    const { receiver, credited } = setup(t)
    const client = rawClient(receiver.generateCredentials())
    for (const min of [101n, MAX_UINT64]) {
      const reply = await receiver.handlePrepare(client.prepare([money(1n, 1n)], { amount: 100n, min }))
      assert.equal(code(reply), 'F99')
      assert.equal(client.read(reply).amount, 100n)
      assert.equal(client.read(reply).packetType, IlpPacketType.Reject)
    }
    assert.equal(credited(), 0n)
  })

  test('money with no StreamMoney frame is refused; absurd shares split exactly', async (t) => {
    const { receiver, money: events } = setup(t)
    const client = rawClient(receiver.generateCredentials())
    assert.equal(code(await receiver.handlePrepare(client.prepare([], { amount: 10n }))), 'F99')
    const reply = await receiver.handlePrepare(client.prepare([money(1n, MAX_UINT64), money(3n, MAX_UINT64), money(5n, 1n)], { amount: MAX_UINT64 }))
    assert.equal(code(reply), 'fulfill')
    const streams = events[0]!.streams
    assert.equal(streams.reduce((s, x) => s + x.amount, 0n), MAX_UINT64)
    const total = 2n * MAX_UINT64 + 1n
    const share = (MAX_UINT64 * MAX_UINT64) / total
    assert.equal(streams.find((x) => x.streamId === 3n)?.amount, share)
    assert.equal(streams.find((x) => x.streamId === 5n)?.amount, 0n)
    // the rounding remainder goes to the lowest stream (RFC 29 SHOULD)
    assert.equal(streams.find((x) => x.streamId === 1n)?.amount, MAX_UINT64 - share)
  })

  test('stream ID parity and limit: ProtocolViolation and StreamIdError close the connection', async (t) => {
    const { receiver, credited } = setup(t)
    const even = rawClient(receiver.generateCredentials())
    const r1 = await receiver.handlePrepare(even.prepare([money(2n, 1n)], { amount: 10n }))
    assert.equal(code(r1), 'F99')
    assert.equal(closeCodeOf(even.read(r1)), StreamErrorCode.ProtocolViolation)
    const after = await receiver.handlePrepare(even.prepare([money(1n, 1n)], { amount: 10n }))
    assert.equal(code(after), 'F99')
    assert.equal(closeCodeOf(even.read(after)), StreamErrorCode.ProtocolViolation)

    const high = rawClient(receiver.generateCredentials())
    const r2 = await receiver.handlePrepare(high.prepare([money(21n, 1n)], { amount: 10n }))
    assert.equal(closeCodeOf(high.read(r2)), StreamErrorCode.StreamIdError)
    assert.equal(credited(), 0n)
  })

  test('data beyond StreamMaxData → FlowControlError; the receiver keeps serving others', async (t) => {
    const { receiver, credited } = setup(t, { streamMaxData: 10n })
    const bad = rawClient(receiver.generateCredentials())
    const frames: Frame[] = [money(1n, 1n), { type: FrameType.StreamData, streamId: 1n, offset: 5n, data: new Uint8Array(6) }]
    const reply = await receiver.handlePrepare(bad.prepare(frames, { amount: 50n }))
    assert.equal(code(reply), 'F99')
    assert.equal(closeCodeOf(bad.read(reply)), StreamErrorCode.FlowControlError)
    assert.equal(receiver.connections()[0]!.state, 'closed')

    const good = rawClient(receiver.generateCredentials())
    assert.equal(code(await receiver.handlePrepare(good.prepare([money(1n, 1n)], { amount: 50n }))), 'fulfill')
    assert.equal(credited(), 50n)
  })

  test('asset details that change → ProtocolViolation', async (t) => {
    const { receiver } = setup(t)
    const client = rawClient(receiver.generateCredentials())
    const asset = (c: string): Frame => ({ type: FrameType.ConnectionAssetDetails, sourceAssetCode: c, sourceAssetScale: 2 })
    assert.equal(code(await receiver.handlePrepare(client.prepare([asset('USD')]))), 'fulfill')
    const reply = await receiver.handlePrepare(client.prepare([asset('XRP')]))
    assert.equal(closeCodeOf(client.read(reply)), StreamErrorCode.ProtocolViolation)
  })

  test('money on a stream the sender closed → StreamClose(StreamStateError), nothing credited', async (t) => {
    const { receiver, credited } = setup(t)
    const client = rawClient(receiver.generateCredentials())
    assert.equal(code(await receiver.handlePrepare(client.prepare([money(1n, 1n)], { amount: 7n }))), 'fulfill')
    await receiver.handlePrepare(client.prepare([{ type: FrameType.StreamClose, streamId: 1n, errorCode: 1, errorMessage: '' }]))
    const reply = await receiver.handlePrepare(client.prepare([money(1n, 1n)], { amount: 7n }))
    assert.equal(code(reply), 'F99')
    const close = client.read(reply).frames.find((f) => f.type === FrameType.StreamClose)
    assert.equal(close?.type === FrameType.StreamClose && close.errorCode, StreamErrorCode.StreamStateError)
    assert.equal(credited(), 7n)
  })

  test('the application refusing money (F07) rolls the credit back', async (t) => {
    let refuse = true
    const { receiver } = setup(t, { onMoney: (): IlpReject | undefined => (refuse ? reject('F07', 'test.bob', 'account full') : undefined) })
    const client = rawClient(receiver.generateCredentials())
    assert.equal(code(await receiver.handlePrepare(client.prepare([money(1n, 1n)], { amount: 9n }))), 'F07')
    assert.equal(receiver.totalReceived, 0n)
    assert.equal(receiver.connections()[0]!.totalReceived, 0n)
    refuse = false
    assert.equal(code(await receiver.handlePrepare(client.prepare([money(1n, 1n)], { amount: 9n }))), 'fulfill')
    assert.equal(receiver.totalReceived, 9n)
  })

  test('an idled-out connection cannot be revived to replay money', async (t) => {
    const { receiver, credited, advance } = setup(t, { idleTimeoutMs: 1_000 })
    const client = rawClient(receiver.generateCredentials())
    const p = client.prepare([money(1n, 1n)], { amount: 3n })
    assert.equal(code(await receiver.handlePrepare(p)), 'fulfill')
    advance(1_500)
    receiver.expireIdle()
    assert.equal(receiver.connections().length, 0)
    const replay = await receiver.handlePrepare(p)
    assert.equal(code(replay), 'F99')
    assert.equal(closeCodeOf(client.read(replay)), StreamErrorCode.NoError)
    assert.equal(credited(), 3n)
  })

  test('data streams arrive in order from out-of-order fragments, exactly once', async (t) => {
    const { receiver, data } = setup(t)
    const client = rawClient(receiver.generateCredentials())
    const bytes = (s: string) => new Uint8Array(Buffer.from(s))
    const frag = (offset: bigint, s: string): Frame => ({ type: FrameType.StreamData, streamId: 1n, offset, data: bytes(s) })
    await receiver.handlePrepare(client.prepare([frag(5n, 'world')]))
    assert.equal(data.length, 0)
    await receiver.handlePrepare(client.prepare([frag(0n, 'hello')]))
    await receiver.handlePrepare(client.prepare([frag(0n, 'hello')])) // retransmission
    assert.equal(Buffer.concat(data.map((d) => d.data)).toString(), 'helloworld')
  })

  test('receipts (RFC 39) ride on each Fulfill and verify with the verifier secret', async (t) => {
    const { receiver } = setup(t)
    const nonce = randomBytes(16)
    const secret = randomBytes(32)
    const credentials = receiver.generateCredentials({ receipt: { nonce, secret } })
    assert.equal(credentials.receiptsEnabled, true)
    const client = rawClient(credentials)
    let last = 0n
    for (const amount of [10n, 25n]) {
      const reply = await receiver.handlePrepare(client.prepare([money(1n, 1n)], { amount }))
      const frame = client.read(reply).frames.find((f) => f.type === FrameType.StreamReceipt)
      assert.ok(frame && frame.type === FrameType.StreamReceipt)
      const receipt = verifyReceipt(frame.receipt, secret)
      assert.deepEqual(Buffer.from(receipt.nonce), nonce)
      assert.equal(receipt.totalReceived, last + amount)
      last = receipt.totalReceived
    }
  })
})

describe('sender under hostile replies', () => {
  test('a reply with the wrong sequence (or inflated amount) is not trusted', async (t) => {
    const { receiver, credited } = setup(t)
    const credentials = receiver.generateCredentials()
    const keys = deriveStreamKeys(credentials.sharedSecret)
    // A man in the middle that knows the secret rewrites every reply: wrong sequence, 10× the amount.
    const tamper = async (p: IlpPrepare): Promise<IlpReply> => {
      const reply = await receiver.handlePrepare(p)
      if (reply.data.length === 0) return reply
      const packet = decryptStreamPacket(keys.encryptionKey, reply.data)
      const data = encryptStreamPacket(keys.encryptionKey, { ...packet, sequence: packet.sequence + 1000n, amount: packet.amount * 10n })
      return { ...reply, data }
    }
    const result = await pay({ ...credentials, sendPrepare: tamper, amount: 1_000n, idleTimeoutMs: 2_000 })
    // Probes get no authentic reply, so no rate can be learned: the payment stops without sending money.
    assert.equal(result.status, 'failed')
    assert.equal(result.amountSent, 0n)
    assert.equal(credited(), 0n)
  })

  test('a Fulfill that does not match the condition is not counted as money sent', async (t) => {
    const { receiver } = setup(t)
    const credentials = receiver.generateCredentials()
    const forge = async (p: IlpPrepare): Promise<IlpReply> => {
      const reply = await receiver.handlePrepare(p)
      return reply.type === IlpPacketType.Fulfill ? { ...reply, fulfillment: randomBytes(32) } : reply
    }
    const result = await pay({ ...credentials, sendPrepare: forge, amount: 100n })
    assert.equal(result.status, 'failed')
    assert.equal(result.amountSent, 0n)
    assert.equal(result.error?.code, 'F05')
  })
})
