/**
 * Interop with the deployed JavaScript STREAM stack, wired in memory (no sockets):
 * - ilp-protocol-stream 2.7.1 client pays our receiver; our sender pays an ilp-protocol-stream server;
 * - @interledger/pay pays our receiver; our sender pays an @interledger/stream-receiver.
 * The JS side talks to an in-memory object with the ilp-plugin interface that bridges to our handlers and
 * answers ILDCP itself. Amounts are checked to the unit.
 */
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { randomBytes } from 'node:crypto'
import { decodeReply, encodeIlpPacket } from '../src/ilp/packet.js'
import type { IlpPrepare, IlpReply } from '../src/ilp/types.js'
import { createStreamReceiver, type MoneyReceived } from '../src/stream/receiver.js'
import { pay } from '../src/stream/sender.js'
import { verifyReceipt } from '../src/stream/receipt.js'
import { fakeConnector } from './stream-network.js'
import { IlpStream, memoryPlugin, startJsStreamServer } from './support/js-stream.js'

const require = createRequire(import.meta.url)
/* The JS reference packages are CommonJS without types we rely on: a narrow untyped surface. */
/* eslint-disable @typescript-eslint/no-explicit-any */
const InterledgerPay: any = require('@interledger/pay')
const { StreamServer }: any = require('@interledger/stream-receiver')
const IlpPacketJs: any = require('ilp-packet')

describe('ilp-protocol-stream 2.7.1', () => {
  test('its client pays our receiver: every unit credited once', async (t) => {
    const money: MoneyReceived[] = []
    const receiver = createStreamReceiver({ address: 'test.node.bob', serverSecret: randomBytes(32), assetCode: 'EUR', assetScale: 2, onMoney: (e) => void money.push(e) })
    t.after(() => receiver.close())
    const plugin = memoryPlugin({ clientAddress: 'test.node.alice', assetCode: 'EUR', assetScale: 2 }, receiver.handlePrepare)
    const { destinationAccount, sharedSecret } = receiver.generateCredentials()
    const connection = await IlpStream.createConnection({ plugin, destinationAccount, sharedSecret: Buffer.from(sharedSecret), slippage: 0 })
    const stream = connection.createStream()
    await stream.sendTotal(123_456)
    await connection.end()
    const credited = money.reduce((sum, e) => sum + e.amount, 0n)
    assert.equal(credited, 123_456n)
    assert.equal(receiver.totalReceived, 123_456n)
    const summary = receiver.connections()[0]!
    assert.equal(summary.remoteAddress, 'test.node.alice')
    assert.equal(summary.remoteAssetCode, 'EUR')
    assert.equal(summary.state, 'closed')
    assert.equal(String(stream.totalSent), '123456')
  })

  test('our sender pays its server: every unit arrives', async (t) => {
    const { plugin, server } = await startJsStreamServer(t)
    let received = 0n
    server.on('connection', (conn: any) => {
      conn.on('stream', (stream: any) => {
        stream.setReceiveMax('18446744073709551615')
        stream.on('money', (amount: string) => void (received += BigInt(amount)))
      })
    })
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    const result = await pay({
      destinationAccount,
      sharedSecret,
      sendPrepare: (p) => plugin.deliver(p),
      amount: 987_654n,
      sourceAddress: 'test.node.dave',
      sourceAssetCode: 'USD',
      sourceAssetScale: 6,
      maxPacketAmount: 100_000n,
    })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    assert.equal(result.amountSent, 987_654n)
    assert.equal(result.amountDelivered, 987_654n)
    assert.equal(received, 987_654n)
    assert.equal(result.destinationAssetCode, 'USD')
  })
})

describe('ilp-protocol-stream 2.7.1 through a connector with a rate and a packet limit', () => {
  test('its client pays our receiver at 2/3 with max packet 10,000', async (t) => {
    const money: MoneyReceived[] = []
    const receiver = createStreamReceiver({ address: 'test.node.bob', serverSecret: randomBytes(32), assetCode: 'JPY', assetScale: 0, onMoney: (e) => void money.push(e) })
    t.after(() => receiver.close())
    const net = fakeConnector(receiver.handlePrepare, { rate: { num: 2n, den: 3n }, maxPacketAmount: 10_000n })
    const plugin = memoryPlugin({ clientAddress: 'test.node.alice', assetCode: 'EUR', assetScale: 2 }, net.send)
    const { destinationAccount, sharedSecret } = receiver.generateCredentials()
    const connection = await IlpStream.createConnection({ plugin, destinationAccount, sharedSecret: Buffer.from(sharedSecret) })
    const stream = connection.createStream()
    await stream.sendTotal(45_000)
    await connection.end()
    const credited = money.reduce((sum, e) => sum + e.amount, 0n)
    assert.equal(net.stats.sourceFulfilled, 45_000n)
    assert.equal(credited, net.stats.destinationFulfilled)
    assert.equal(receiver.totalReceived, credited)
    assert.ok(credited >= 29_990n && credited <= 30_000n, `credited ${credited}`)
  })

  test('our sender pays its server at 3/7 with max packet 5,000', async (t) => {
    const { plugin, server } = await startJsStreamServer(t)
    let received = 0n
    server.on('connection', (conn: any) => {
      conn.on('stream', (stream: any) => {
        stream.setReceiveMax('18446744073709551615')
        stream.on('money', (amount: string) => void (received += BigInt(amount)))
      })
    })
    const net = fakeConnector((p) => plugin.deliver(p), { rate: { num: 3n, den: 7n }, maxPacketAmount: 5_000n })
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    const result = await pay({ destinationAccount, sharedSecret, sendPrepare: net.send, amount: 100_000n })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    assert.equal(result.amountSent, 100_000n)
    assert.equal(received, net.stats.destinationFulfilled)
    assert.equal(result.amountDelivered, received)
    assert.equal(result.maxPacketAmount, 5_000n)
  })
})

describe('ilp-protocol-stream 2.7.1 data', () => {
  test('our sender\'s data reaches its server\'s stream byte for byte', async (t) => {
    const { plugin, server } = await startJsStreamServer(t)
    const chunks: Buffer[] = []
    let received = 0n
    server.on('connection', (conn: any) => {
      conn.on('stream', (stream: any) => {
        stream.setReceiveMax('18446744073709551615')
        stream.on('money', (amount: string) => void (received += BigInt(amount)))
        stream.on('data', (chunk: Buffer) => void chunks.push(chunk))
      })
    })
    const bytes = randomBytes(40_000)
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    const result = await pay({ destinationAccount, sharedSecret, sendPrepare: (p) => plugin.deliver(p), amount: 5_000n, data: bytes, maxPacketAmount: 1_000n })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    assert.equal(received, 5_000n)
    await new Promise((r) => setImmediate(r))
    assert.ok(Buffer.concat(chunks).equals(bytes), `got ${Buffer.concat(chunks).length} of ${bytes.length} bytes`)
  })
})

describe('ilp-protocol-stream 2.7.1 client data', () => {
  test('its client\'s data on two streams reaches our receiver in order, with the money', async (t) => {
    const money: MoneyReceived[] = []
    const data = new Map<bigint, Buffer[]>()
    const receiver = createStreamReceiver({
      address: 'test.node.bob',
      serverSecret: randomBytes(32),
      assetCode: 'EUR',
      assetScale: 2,
      onMoney: (e) => void money.push(e),
      onData: (e) => void data.set(e.streamId, [...(data.get(e.streamId) ?? []), Buffer.from(e.data)]),
    })
    t.after(() => receiver.close())
    const plugin = memoryPlugin({ clientAddress: 'test.node.alice', assetCode: 'EUR', assetScale: 2 }, receiver.handlePrepare)
    const { destinationAccount, sharedSecret } = receiver.generateCredentials()
    const connection = await IlpStream.createConnection({ plugin, destinationAccount, sharedSecret: Buffer.from(sharedSecret) })
    const one = connection.createStream()
    const two = connection.createStream()
    const bytesOne = randomBytes(30_000)
    const bytesTwo = randomBytes(5_000)
    one.write(bytesOne)
    two.write(bytesTwo)
    await Promise.all([one.sendTotal(700), two.sendTotal(300)])
    await new Promise((r) => setTimeout(r, 50))
    await connection.end()
    assert.equal(money.reduce((sum, e) => sum + e.amount, 0n), 1_000n)
    assert.ok(Buffer.concat(data.get(1n) ?? []).equals(bytesOne), 'stream 1 bytes')
    assert.ok(Buffer.concat(data.get(3n) ?? []).equals(bytesTwo), 'stream 3 bytes')
    const perStream = new Map<bigint, bigint>()
    for (const e of money) for (const s of e.streams) perStream.set(s.streamId, (perStream.get(s.streamId) ?? 0n) + s.amount)
    assert.equal(perStream.get(1n), 700n)
    assert.equal(perStream.get(3n), 300n)
  })
})

describe('ilp-protocol-stream 2.7.1 receipts', () => {
  test('its server\'s receipts reach our result and verify with both implementations', async (t) => {
    const { plugin, server } = await startJsStreamServer(t)
    server.on('connection', (conn: any) => conn.on('stream', (stream: any) => stream.setReceiveMax('18446744073709551615')))
    const receiptNonce = randomBytes(16)
    const receiptSecret = randomBytes(32)
    const { destinationAccount, sharedSecret, receiptsEnabled } = server.generateAddressAndSecret({ receiptNonce, receiptSecret })
    assert.equal(receiptsEnabled, true)
    const result = await pay({ destinationAccount, sharedSecret, sendPrepare: (p) => plugin.deliver(p), amount: 12_345n, maxPacketAmount: 1_000n })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    assert.equal(verifyReceipt(result.receipt!, receiptSecret).totalReceived, 12_345n)
    const theirs = IlpStream.verifyReceipt(Buffer.from(result.receipt!), receiptSecret)
    assert.equal(String(theirs.totalReceived), '12345')
  })

  test('our receiver\'s receipts verify with ilp-protocol-stream\'s verifyReceipt', async (t) => {
    const receiver = createStreamReceiver({ address: 'test.node.bob', serverSecret: randomBytes(32), assetCode: 'EUR', assetScale: 2 })
    t.after(() => receiver.close())
    const nonce = randomBytes(16)
    const secret = randomBytes(32)
    const credentials = receiver.generateCredentials({ receipt: { nonce, secret } })
    const result = await pay({ ...credentials, sendPrepare: receiver.handlePrepare, amount: 777n })
    const theirs = IlpStream.verifyReceipt(Buffer.from(result.receipt!), secret)
    assert.equal(String(theirs.totalReceived), '777')
    assert.ok(Buffer.from(theirs.nonce).equals(nonce))
  })
})

describe('ilp-protocol-stream 2.7.1 limits', () => {
  test('its server\'s receiveMax stops our sender at exactly that amount', async (t) => {
    const { plugin, server } = await startJsStreamServer(t)
    let received = 0n
    server.on('connection', (conn: any) => {
      conn.on('stream', (stream: any) => {
        stream.setReceiveMax(2_500)
        stream.on('money', (amount: string) => void (received += BigInt(amount)))
      })
    })
    const net = fakeConnector((p) => plugin.deliver(p), { maxPacketAmount: 1_000n })
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    const result = await pay({ destinationAccount, sharedSecret, sendPrepare: net.send, amount: 10_000n })
    assert.equal(result.status, 'failed')
    assert.equal(result.error?.code, 'STREAM_RECEIVER_LIMIT')
    assert.equal(received, 2_500n)
    assert.equal(result.amountDelivered, 2_500n)
    assert.equal(result.amountSent, net.stats.sourceFulfilled)
  })
})

describe('ilp-protocol-stream 2.7.1 closing', () => {
  test('its server closing the connection mid-payment stops our sender with STREAM_CLOSED_BY_RECEIVER', async (t) => {
    const { plugin, server } = await startJsStreamServer(t)
    let received = 0n
    server.on('connection', (conn: any) => {
      conn.on('stream', (stream: any) => {
        stream.setReceiveMax('18446744073709551615')
        stream.on('money', (amount: string) => {
          received += BigInt(amount)
          if (received >= 3_000n) void conn.destroy()
        })
      })
    })
    const net = fakeConnector((p) => plugin.deliver(p), { maxPacketAmount: 1_000n })
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    const result = await pay({ destinationAccount, sharedSecret, sendPrepare: net.send, amount: 100_000n, packetsInFlightMax: 1 })
    assert.equal(result.status, 'failed')
    assert.equal(result.error?.code, 'STREAM_CLOSED_BY_RECEIVER', JSON.stringify(result.error))
    assert.equal(result.amountDelivered, received)
    assert.equal(result.amountSent, net.stats.sourceFulfilled)
  })
})

describe('@interledger/pay and @interledger/stream-receiver 0.2.2', () => {
  test('@interledger/pay pays our receiver', async (t) => {
    const money: MoneyReceived[] = []
    const receiver = createStreamReceiver({ address: 'test.node.bob', serverSecret: randomBytes(32), assetCode: 'EUR', assetScale: 2, onMoney: (e) => void money.push(e) })
    t.after(() => receiver.close())
    const net = fakeConnector(receiver.handlePrepare, { maxPacketAmount: 7_000n })
    const plugin = memoryPlugin({ clientAddress: 'test.node.alice', assetCode: 'EUR', assetScale: 2 }, net.send)
    await plugin.connect()
    const { destinationAccount, sharedSecret } = receiver.generateCredentials()
    const quote = await InterledgerPay.quote({ plugin, destinationAddress: destinationAccount, sharedSecret: Buffer.from(sharedSecret), amountToSend: '500' })
    const receipt = await quote.pay()
    assert.equal(receipt.error, undefined)
    // The receipt counts in units of the asset (scale 2): 500.00 EUR = 50,000 base units.
    assert.equal(receipt.amountSent.toString(), '500')
    assert.equal(receipt.amountDelivered.toString(), '500')
    assert.equal(money.reduce((sum, e) => sum + e.amount, 0n), 50_000n)
  })

  test('our sender pays an @interledger/stream-receiver', async () => {
    const server = new StreamServer({ serverSecret: randomBytes(32), serverAddress: 'test.node.erin' })
    let accepted = 0n
    const handle = async (prepare: IlpPrepare): Promise<IlpReply> => {
      const jsPrepare = IlpPacketJs.deserializeIlpPrepare(Buffer.from(encodeIlpPacket(prepare)))
      const reply = server.createReply(jsPrepare)
      if (typeof reply.accept === 'function') {
        accepted += BigInt(jsPrepare.amount)
        return decodeReply(IlpPacketJs.serializeIlpFulfill(reply.accept()))
      }
      return decodeReply(IlpPacketJs.serializeIlpReply(reply))
    }
    const { ilpAddress, sharedSecret } = server.generateCredentials({ asset: { code: 'XRP', scale: 9 } })
    const net = fakeConnector(handle, { maxPacketAmount: 250_000n })
    const result = await pay({ destinationAccount: ilpAddress, sharedSecret, sendPrepare: net.send, amount: 1_000_000n })
    assert.equal(result.status, 'completed', JSON.stringify(result.error))
    assert.equal(accepted, 1_000_000n)
    assert.equal(result.amountDelivered, 1_000_000n)
    assert.equal(result.destinationAssetCode, 'XRP')
  })
})
