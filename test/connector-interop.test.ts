/**
 * The connector against the JavaScript reference packages: ilp-protocol-ildcp's client learns its config from
 * our ILDCP server, and ilp-packet reads our Prepares, forwarded Prepares and Rejects (F08 data included).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import * as ildcp from 'ilp-protocol-ildcp'
import * as ilpPacket from 'ilp-packet'
import { aliceAndBob, nodeHarness, testAccount, testPrepare } from '../src/connector/testing.js'
import { encodePrepare } from '../src/ilp/packet.js'

describe('connector interop with the JS reference', () => {
  test('ilp-protocol-ildcp fetch() gets a child its address and asset from our node', async (t) => {
    const h = nodeHarness({ address: 'test.parent' })
    t.after(() => h.close())
    h.connector.addAccount(testAccount('kid', { relation: 'child', assetCode: 'XRP', assetScale: 9 }))
    const config = await ildcp.fetch(async (request) => Buffer.from(await h.connector.handleIncomingBytes('kid', request)))
    assert.deepEqual({ ...config }, { clientAddress: 'test.parent.kid', assetScale: 9, assetCode: 'XRP' })
  })

  test('ilp-packet reads the Prepare we forward: only amount and expiry differ from the one we got', async (t) => {
    const { h, seen, secret } = aliceAndBob()
    t.after(() => h.close())
    const incoming = encodePrepare(testPrepare({ destination: 'test.bob.x', amount: 77n }, secret))
    const reply = await h.connector.handleIncomingBytes('alice', incoming)
    const fulfill = ilpPacket.deserializeIlpFulfill(Buffer.from(reply))
    assert.deepEqual(new Uint8Array(fulfill.fulfillment), secret.fulfillment)
    const before = ilpPacket.deserializeIlpPrepare(Buffer.from(incoming))
    const after = ilpPacket.deserializeIlpPrepare(Buffer.from(encodePrepare(seen[0]!)))
    assert.equal(after.amount, '77')
    assert.equal(after.expiresAt.getTime(), before.expiresAt.getTime() - 1000)
    assert.equal(after.destination, before.destination)
    assert.deepEqual(after.executionCondition, before.executionCondition)
    assert.deepEqual(after.data, before.data)
  })

  test('ilp-packet reads our F08 Reject and its AmountTooLarge data', async (t) => {
    const { h } = aliceAndBob()
    t.after(() => h.close())
    h.connector.updateAccount(testAccount('alice', { maxPacketAmount: 10n }))
    const bytes = await h.connector.handleIncomingBytes('alice', encodePrepare(testPrepare({ destination: 'test.bob', amount: 11n })))
    const rejectPacket = ilpPacket.deserializeIlpReject(Buffer.from(bytes))
    assert.equal(rejectPacket.code, 'F08')
    assert.equal(rejectPacket.triggeredBy, 'test.node')
    assert.equal(rejectPacket.data.readBigUInt64BE(0), 11n)
    assert.equal(rejectPacket.data.readBigUInt64BE(8), 10n)
  })
})
