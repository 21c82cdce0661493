import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  IlpErrorCode,
  IlpErrorName,
  amountTooLarge,
  decodeAmountTooLargeData,
  encodeAmountTooLargeData,
  errorClass,
  isValidErrorCode,
  reject,
} from './errors.js'
import { decodeReject, encodeIlpPacket } from './packet.js'
import { IlpPacketType } from './types.js'
import { hex, toHex } from '../../test/support/shared.js'
import { codecErrorCode } from '../../test/codec-support.js'

describe('ILP error codes (RFC 27)', () => {
  test('the table names the 21 standard codes as in the RFC', () => {
    const codes = Object.values(IlpErrorCode)
    assert.equal(codes.length, 21)
    for (const c of codes) assert.ok(IlpErrorName[c], c)
    assert.equal(IlpErrorCode.F08_AMOUNT_TOO_LARGE, 'F08')
    assert.equal(IlpErrorName.T04, 'Insufficient Liquidity')
  })

  test('every F00–F99, T00–T99, R00–R99 is well-formed and classed; others are not', () => {
    for (const [letter, kind] of [['F', 'final'], ['T', 'temporary'], ['R', 'relative']] as const) {
      for (let n = 0; n < 100; n++) {
        const c = letter + String(n).padStart(2, '0')
        assert.equal(isValidErrorCode(c), true, c)
        assert.equal(errorClass(c), kind)
        const bytes = encodeIlpPacket(reject(c, 'test.node', 'm'))
        assert.equal(decodeReject(bytes).code, c)
      }
    }
    for (const c of ['X00', 'F0', 'F000', 'f01', '']) assert.equal(isValidErrorCode(c), false, c)
  })

  test('reject() builds a Reject value with empty data by default', () => {
    const r = reject(IlpErrorCode.R00_TRANSFER_TIMED_OUT, 'g.node', 'timed out')
    assert.deepEqual(r, { type: IlpPacketType.Reject, code: 'R00', triggeredBy: 'g.node', message: 'timed out', data: new Uint8Array(0) })
  })
})

describe('F08 Amount Too Large data', () => {
  test('received 255, maximum 65535 → 00000000000000ff 000000000000ffff (ilp-packet error.spec)', () => {
    const data = encodeAmountTooLargeData({ receivedAmount: 255n, maximumAmount: 65535n })
    assert.equal(toHex(data), '00000000000000ff000000000000ffff')
    assert.deepEqual(decodeAmountTooLargeData(data), { receivedAmount: 255n, maximumAmount: 65535n })
  })

  test('amountTooLarge() builds the F08 Reject with its 16-byte data, and it survives the wire', () => {
    const r = decodeReject(encodeIlpPacket(amountTooLarge('g.connector', 255n, 65535n)))
    assert.equal(r.code, 'F08')
    assert.deepEqual(decodeAmountTooLargeData(r.data), { receivedAmount: 255n, maximumAmount: 65535n })
  })

  test('short data is OER_TRUNCATED; extra bytes are ignored (RFC 30 extensibility)', () => {
    assert.equal(codecErrorCode(() => decodeAmountTooLargeData(new Uint8Array(15))), 'OER_TRUNCATED')
    const longer = hex('00000000000000ff000000000000ffff 0102')
    assert.deepEqual(decodeAmountTooLargeData(longer), { receivedAmount: 255n, maximumAmount: 65535n })
  })

  test('u64 maximum values encode exactly', () => {
    const max = 2n ** 64n - 1n
    assert.deepEqual(decodeAmountTooLargeData(encodeAmountTooLargeData({ receivedAmount: max, maximumAmount: 0n })), { receivedAmount: max, maximumAmount: 0n })
  })
})
