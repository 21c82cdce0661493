import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  ILDCP_DESTINATION,
  PEER_PROTOCOL_CONDITION,
  answerIldcpRequest,
  decodeIldcpResponse,
  decodeIldcpResponseData,
  encodeIldcpRequest,
  encodeIldcpResponseData,
  ildcpRequest,
  ildcpResponse,
  validateIldcpRequest,
} from './ildcp.js'
import { decodePrepare, decodeReply, encodeIlpPacket } from './packet.js'
import { IlpPacketType } from './types.js'
import { hex, toHex } from '../../test/support/shared.js'
import { address, codecErrorCode } from '../../test/codec-support.js'
import { createHash } from 'node:crypto'

/** ilp-protocol-ildcp test/index.test.ts, with its clock at 2015-06-16T00:00:00Z. */
const NOW = Date.parse('2015-06-16T00:00:00.000Z')
const REQUEST_HEX =
  '0c46 0000000000000000 3230313530363136303030313030303030 ' +
  '66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925 0b 706565722e636f6e666967 00'
const RESPONSE_HEX = '0d35 ' + '00'.repeat(32) + ' 14 0e 6578616d706c652e636c69656e74 0d 03 58414d'
const CONFIG = { clientAddress: 'example.client', assetScale: 13, assetCode: 'XAM' }

describe('ILDCP (RFC 31)', () => {
  test('the peer-protocol condition is SHA-256 of the 32-zero-byte fulfillment', () => {
    assert.equal(toHex(PEER_PROTOCOL_CONDITION), createHash('sha256').update(new Uint8Array(32)).digest('hex'))
    assert.equal(Buffer.from(PEER_PROTOCOL_CONDITION).toString('base64'), 'Zmh6rfhivXdsj8GLjp+OIAiXFIVu4jOzkCpZHQ1fKSU=')
  })

  test('request vector: amount 0, now + 60 s, peer.config, empty data', () => {
    assert.equal(toHex(encodeIldcpRequest({ now: () => NOW })), toHex(hex(REQUEST_HEX)))
    const p = ildcpRequest({ now: () => NOW })
    assert.equal(p.destination, ILDCP_DESTINATION)
    assert.equal(p.amount, 0n)
  })

  test('response vector → {example.client, 13, XAM}, both directions', () => {
    assert.deepEqual(decodeIldcpResponse(hex(RESPONSE_HEX)), CONFIG)
    assert.equal(toHex(encodeIlpPacket(ildcpResponse(CONFIG))), toHex(hex(RESPONSE_HEX)))
  })

  test('a response with a non-zero fulfillment, a bad address or truncated data is a CodecError', () => {
    const wrong = hex(RESPONSE_HEX)
    wrong[5] = 1
    assert.equal(codecErrorCode(() => decodeIldcpResponse(wrong)), 'ILDCP_INVALID')
    assert.equal(codecErrorCode(() => decodeIldcpResponseData(hex('05 68656c6c6f 00 00'))), 'ILP_INVALID_ADDRESS')
    assert.equal(codecErrorCode(() => decodeIldcpResponseData(hex('0e 6578616d706c652e636c69656e74'))), 'OER_TRUNCATED')
    assert.equal(codecErrorCode(() => decodeIldcpResponseData(hex('0e 6578616d706c652e636c69656e74 0d 02 c328'))), 'OER_INVALID_STRING')
    assert.equal(codecErrorCode(() => encodeIldcpResponseData({ ...CONFIG, assetScale: 256 })), 'OER_VALUE_OUT_OF_RANGE')
  })

  test('bytes after assetCode are ignored (RFC 30 extensibility)', () => {
    assert.deepEqual(decodeIldcpResponseData(hex('0e 6578616d706c652e636c69656e74 0d 03 58414d ff')), CONFIG)
  })

  test('validation: destination, condition, expiry', () => {
    const ok = ildcpRequest({ now: () => NOW })
    assert.equal(validateIldcpRequest(ok, NOW), undefined)
    assert.equal(validateIldcpRequest({ ...ok, destination: 'peer.route.control' }, NOW)?.kind, 'wrong-destination')
    assert.equal(validateIldcpRequest({ ...ok, executionCondition: new Uint8Array(32) }, NOW)?.kind, 'wrong-condition')
    assert.equal(validateIldcpRequest(ok, NOW + 60_001)?.kind, 'expired')
    assert.equal(validateIldcpRequest(ok, NOW + 60_000), undefined, 'valid up to and including expiresAt')
  })

  test('answerIldcpRequest: a Fulfill for a good request, an F00 Reject from the parent otherwise', () => {
    const request = decodePrepare(hex(REQUEST_HEX))
    const good = answerIldcpRequest(request, NOW, 'example.parent', CONFIG)
    assert.deepEqual(decodeIldcpResponse(encodeIlpPacket(good)), CONFIG)
    const late = decodeReply(encodeIlpPacket(answerIldcpRequest(request, NOW + 61_000, 'example.parent', CONFIG)))
    assert.equal(late.type, IlpPacketType.Reject)
    assert.equal(late.type === IlpPacketType.Reject && late.code, 'F00')
    assert.equal(late.type === IlpPacketType.Reject && late.triggeredBy, 'example.parent')
  })

  test('property: response data round-trips', () => {
    fc.assert(
      fc.property(address, fc.integer({ min: 0, max: 255 }), fc.string({ unit: 'grapheme', maxLength: 20 }), (clientAddress, assetScale, assetCode) => {
        const config = { clientAddress, assetScale, assetCode }
        assert.deepEqual(decodeIldcpResponseData(encodeIldcpResponseData(config)), config)
      }),
    )
  })
})
