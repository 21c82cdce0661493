import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import BtpJs from 'btp-packet'
import { CodecError } from '../../oer/errors.js'
import { hex, toHex } from '../../../test/support/shared.js'
import {
  BtpContentType,
  BtpPacketType,
  authMessage,
  decodeBtpPacket,
  duplicateProtocolName,
  encodeBtpIlp,
  encodeBtpPacket,
  findProtocolData,
  ilpProtocolData,
  peekBtpHeader,
  primaryIlpData,
  type BtpPacket,
  type BtpProtocolData,
} from './packet.js'

const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'))
/** Encoders return pooled Buffers; decoded fields are views of their input, so decode a plain copy to compare. */
const plain = (b: Uint8Array): Uint8Array => Uint8Array.from(b)

/** The four entries of the btp-packet test suite (test/index.spec.ts). */
const JS_ENTRIES: BtpProtocolData[] = [
  { protocolName: 'ilp', contentType: 0, data: new Uint8Array(0) },
  { protocolName: 'foo', contentType: 0, data: ascii('bar') },
  { protocolName: 'beep', contentType: 1, data: ascii('boop') },
  { protocolName: 'json', contentType: 2, data: ascii('{}') },
]
const JS_ENTRIES_HEX = '0104 03696c70 00 00 03666f6f 00 03626172 0462656570 01 04626f6f70 046a736f6e 02 027b7d'

const VECTORS: { name: string; hex: string; packet: BtpPacket }[] = [
  {
    name: 'btp-packet Response',
    hex: `01 00000001 25 ${JS_ENTRIES_HEX}`,
    packet: { type: BtpPacketType.Response, requestId: 1, protocolData: JS_ENTRIES },
  },
  {
    name: 'btp-packet Message',
    hex: `06 00000001 25 ${JS_ENTRIES_HEX}`,
    packet: { type: BtpPacketType.Message, requestId: 1, protocolData: JS_ENTRIES },
  },
  {
    name: 'btp-packet Transfer',
    hex: `07 00000001 2d 0000000000000064 ${JS_ENTRIES_HEX}`,
    packet: { type: BtpPacketType.Transfer, requestId: 1, amount: 100n, protocolData: JS_ENTRIES },
  },
  {
    name: 'btp-packet Error',
    hex: `02 00000001 4a 4c3133 09 ${toHex(ascii('errorName'))} 13 ${toHex(ascii('20170828183200.000Z'))} 03 626f6f ${JS_ENTRIES_HEX}`,
    packet: {
      type: BtpPacketType.Error,
      requestId: 1,
      code: 'L13',
      name: 'errorName',
      triggeredAt: new Date('2017-08-28T18:32:00.000Z'),
      data: ascii('boo'),
      protocolData: JS_ENTRIES,
    },
  },
  {
    name: 'interledger-rs Message',
    hex: '060000000217010204746573740002ffff0474657874010568656c6c6f',
    packet: {
      type: BtpPacketType.Message,
      requestId: 2,
      protocolData: [
        { protocolName: 'test', contentType: 0, data: hex('ffff') },
        { protocolName: 'text', contentType: 1, data: ascii('hello') },
      ],
    },
  },
  {
    name: 'interledger-rs Response',
    hex: '01000000811b010113736f6d65206f746865722070726f746f636f6c0003aaaaaa',
    packet: { type: BtpPacketType.Response, requestId: 129, protocolData: [{ protocolName: 'some other protocol', contentType: 0, data: hex('aaaaaa') }] },
  },
  {
    name: 'interledger-rs Error',
    hex: '02000001f52f54303010556e726561636861626c654572726f721332303138303833313032353332342e3839395a046f6f70730100',
    packet: {
      type: BtpPacketType.Error,
      requestId: 501,
      code: 'T00',
      name: 'UnreachableError',
      triggeredAt: new Date('2018-08-31T02:53:24.899Z'),
      data: ascii('oops'),
      protocolData: [],
    },
  },
]

function isCodecError(code?: string): (e: unknown) => boolean {
  return (e: unknown) => e instanceof CodecError && (code === undefined || e.code === code)
}

describe('BTP packet vectors (btp-packet test suite, interledger-rs packet.rs)', () => {
  for (const v of VECTORS) {
    test(`${v.name}: decodes and encodes byte-for-byte`, () => {
      const bytes = hex(v.hex)
      assert.deepEqual(decodeBtpPacket(bytes), v.packet)
      assert.equal(toHex(encodeBtpPacket(v.packet)), toHex(bytes))
    })
  }

  test('an Error with a trimmed RFC triggeredAt decodes, and encodes in the trimmed form on request', () => {
    const packet: BtpPacket = {
      type: BtpPacketType.Error,
      requestId: 7,
      code: 'F00',
      name: 'NotAcceptedError',
      triggeredAt: new Date('2017-12-24T16:14:32.200Z'),
      data: new Uint8Array(0),
      protocolData: [],
    }
    const rfc = encodeBtpPacket(packet, { timeForm: 'rfc' })
    assert.ok(Buffer.from(rfc).includes(Buffer.from('11' + toHex(ascii('20171224161432.2Z')), 'hex')))
    assert.deepEqual(decodeBtpPacket(plain(rfc)), packet)
    assert.ok(Buffer.from(encodeBtpPacket(packet)).includes(Buffer.from('20171224161432.200Z')))
  })
})

describe('BTP packet decoding rejects invalid input', () => {
  test('types 3, 4 and 5 (not used in BTP 2.0) and unknown types', () => {
    for (const type of [0, 3, 4, 5, 8, 255]) {
      assert.throws(() => decodeBtpPacket(hex(`${type.toString(16).padStart(2, '0')} 00000001 02 0100`)), isCodecError('BTP_UNKNOWN_TYPE'))
    }
  })

  test('truncated envelopes and contents', () => {
    const full = hex(VECTORS[3]!.hex)
    for (let n = 0; n < full.length; n++) assert.throws(() => decodeBtpPacket(full.subarray(0, n)), isCodecError(), `length ${n}`)
  })

  test('an entry count larger than the contents can hold, without looping over it', () => {
    assert.throws(() => decodeBtpPacket(hex('06 00000001 05 04ffffffff')), isCodecError('OER_VALUE_OUT_OF_RANGE'))
  })

  test('non-canonical lengths and counts', () => {
    assert.throws(() => decodeBtpPacket(hex('06 00000001 8102 0100')), isCodecError('OER_NON_CANONICAL_LENGTH'))
    assert.throws(() => decodeBtpPacket(hex('06 00000001 03 020000')), isCodecError('OER_NON_CANONICAL_VARUINT'))
    assert.throws(() => decodeBtpPacket(hex('06 00000001 01 00')), isCodecError('OER_NON_CANONICAL_VARUINT'))
  })

  test('non-ASCII protocol names, error codes and error names', () => {
    assert.throws(() => decodeBtpPacket(hex('06 00000001 06 0101 01ff 00 00')), isCodecError('BTP_INVALID_FIELD'))
    const err = (code: string, name: string): Uint8Array => {
      const body = `${code} ${name} 13 ${toHex(ascii('20170828183200.000Z'))} 00 0100`
      return hex(`02 00000001 ${(hex(body).length).toString(16).padStart(2, '0')} ${body}`)
    }
    assert.ok(decodeBtpPacket(err('463030', '00')).type === BtpPacketType.Error)
    assert.throws(() => decodeBtpPacket(err('4630ff', '00')), isCodecError('BTP_INVALID_FIELD'))
    assert.throws(() => decodeBtpPacket(err('463030', '01ff')), isCodecError('BTP_INVALID_FIELD'))
  })

  test('an invalid or over-long triggeredAt', () => {
    const body = (time: string): string => `463030 00 ${(time.length).toString(16).padStart(2, '0')} ${toHex(ascii(time))} 00 0100`
    const packet = (time: string): Uint8Array => hex(`02 00000001 ${(hex(body(time)).length).toString(16).padStart(2, '0')} ${body(time)}`)
    assert.throws(() => decodeBtpPacket(packet('20171224240000Z')), isCodecError('BTP_INVALID_TIME'))
    assert.throws(() => decodeBtpPacket(packet('20171224161432.2790Z')), isCodecError('BTP_INVALID_TIME'))
    assert.throws(() => decodeBtpPacket(packet('20171224161432.279Z'.repeat(5))), isCodecError('BTP_INVALID_TIME'))
  })

  test('Error data longer than 8192 bytes (BilateralTransferProtocol.asn SIZE (0..8192))', () => {
    const base = { type: BtpPacketType.Error, requestId: 1, code: 'F00', name: 'x', triggeredAt: new Date(0), protocolData: [] } as const
    const ok = encodeBtpPacket({ ...base, data: new Uint8Array(8192) })
    assert.equal((decodeBtpPacket(ok) as { data: Uint8Array }).data.length, 8192)
    assert.throws(() => encodeBtpPacket({ ...base, data: new Uint8Array(8193) }), isCodecError('BTP_INVALID_FIELD'))
    // Hand-build the over-long packet: swap the data length prefix 82 2000 for 82 2001 and add a byte.
    const bytes = Buffer.from(ok)
    const at = bytes.indexOf(Buffer.from('822000', 'hex'), 8)
    const tampered = Buffer.concat([bytes.subarray(0, at), Buffer.from('822001', 'hex'), bytes.subarray(at + 3, at + 3 + 8192), Buffer.from([0]), bytes.subarray(at + 3 + 8192)])
    tampered.writeUInt16BE(tampered.length - 8, 6) // envelope: 02 rid(4) 82 LLLL
    assert.throws(() => decodeBtpPacket(new Uint8Array(tampered)), isCodecError('BTP_INVALID_FIELD'))
  })

  test('extra bytes after the contents and after the envelope are ignored (RFC 30 extensibility)', () => {
    const expected = decodeBtpPacket(hex(VECTORS[4]!.hex))
    assert.deepEqual(decodeBtpPacket(hex('060000000218010204746573740002ffff0474657874010568656c6c6f00')), expected)
    assert.deepEqual(decodeBtpPacket(hex(VECTORS[4]!.hex + 'abcdef')), expected)
  })
})

describe('BTP packet encoding', () => {
  test('refuses fields that cannot be encoded', () => {
    const msg = (over: Partial<{ requestId: number; protocolData: BtpProtocolData[] }>): BtpPacket => ({
      type: BtpPacketType.Message,
      requestId: 1,
      protocolData: [],
      ...over,
    })
    assert.throws(() => encodeBtpPacket(msg({ requestId: -1 })), isCodecError('BTP_INVALID_FIELD'))
    assert.throws(() => encodeBtpPacket(msg({ requestId: 2 ** 32 })), isCodecError('BTP_INVALID_FIELD'))
    assert.throws(() => encodeBtpPacket(msg({ requestId: 1.5 })), isCodecError('BTP_INVALID_FIELD'))
    assert.throws(() => encodeBtpPacket(msg({ protocolData: [{ protocolName: 'é', contentType: 0, data: new Uint8Array(0) }] })), isCodecError('BTP_INVALID_FIELD'))
    assert.throws(() => encodeBtpPacket(msg({ protocolData: [{ protocolName: 'a', contentType: 256, data: new Uint8Array(0) }] })), isCodecError('BTP_INVALID_FIELD'))
    const transfer = { type: BtpPacketType.Transfer, requestId: 1, protocolData: [] } as const
    assert.throws(() => encodeBtpPacket({ ...transfer, amount: -1n }), isCodecError('OER_VALUE_OUT_OF_RANGE'))
    assert.throws(() => encodeBtpPacket({ ...transfer, amount: 2n ** 64n }), isCodecError('OER_VALUE_OUT_OF_RANGE'))
    const error = { type: BtpPacketType.Error, requestId: 1, name: 'n', triggeredAt: new Date(0), data: new Uint8Array(0), protocolData: [] } as const
    assert.throws(() => encodeBtpPacket({ ...error, code: 'F0' }), isCodecError('BTP_INVALID_FIELD'))
    assert.throws(() => encodeBtpPacket({ ...error, code: 'F00', triggeredAt: new Date(NaN) }), isCodecError('BTP_INVALID_TIME'))
    assert.throws(() => encodeBtpPacket({ type: 3 } as unknown as BtpPacket), isCodecError('BTP_UNKNOWN_TYPE'))
  })

  test('requestId 0xffffffff and amount 2^64-1 round-trip', () => {
    const p: BtpPacket = { type: BtpPacketType.Transfer, requestId: 0xffff_ffff, amount: 2n ** 64n - 1n, protocolData: [] }
    assert.deepEqual(decodeBtpPacket(plain(encodeBtpPacket(p))), p)
    assert.deepEqual(peekBtpHeader(encodeBtpPacket(p)), { type: 7, requestId: 0xffff_ffff })
    assert.equal(peekBtpHeader(new Uint8Array(4)), undefined)
  })

  test('encodeBtpIlp writes the same bytes as encodeBtpPacket, for short and long ILP packets', () => {
    for (const length of [0, 1, 120, 127, 128, 255, 256, 32_800, 70_000]) {
      const ilp = new Uint8Array(length).fill(0x0c)
      for (const type of [BtpPacketType.Message, BtpPacketType.Response] as const) {
        const fast = plain(encodeBtpIlp(type, 0xabcdef01, ilp))
        assert.deepEqual(fast, plain(encodeBtpPacket({ type, requestId: 0xabcdef01, protocolData: [ilpProtocolData(ilp)] })))
        const decoded = decodeBtpPacket(fast)
        assert.equal(decoded.type, type)
        assert.ok(decoded.type === BtpPacketType.Message || decoded.type === BtpPacketType.Response)
        assert.deepEqual(primaryIlpData(decoded.protocolData), ilp)
      }
    }
  })

  test('the ILP fast path of the decoder agrees with the general path', () => {
    fc.assert(
      fc.property(fc.constantFrom(BtpPacketType.Message, BtpPacketType.Response), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.uint8Array({ maxLength: 700 }), (type, requestId, ilp) => {
        const fast = plain(encodeBtpIlp(type, requestId, ilp))
        // A second entry sends the same ilp entry down the general path.
        const general = plain(encodeBtpPacket({ type, requestId, protocolData: [ilpProtocolData(ilp), { protocolName: 'x', contentType: 0, data: new Uint8Array(0) }] }))
        const a = decodeBtpPacket(fast)
        const b = decodeBtpPacket(general)
        assert.deepEqual(a, { ...b, protocolData: b.type === BtpPacketType.Error ? [] : b.protocolData.slice(0, 1) })
      }),
      { numRuns: 1000 },
    )
  })

  test('authMessage is what ilp-plugin-btp sends, and btp-packet reads it', () => {
    const bytes = encodeBtpPacket(authMessage(42, 'secret', 'alice'))
    const js = BtpJs.deserialize(Buffer.from(bytes))
    assert.deepEqual(
      js.data.protocolData.map((p: { protocolName: string; contentType: number; data: Buffer }) => [p.protocolName, p.contentType, p.data.toString()]),
      [
        ['auth', BtpContentType.ApplicationOctetStream, ''],
        ['auth_token', BtpContentType.TextPlainUtf8, 'secret'],
        ['auth_username', BtpContentType.TextPlainUtf8, 'alice'],
      ],
    )
    assert.equal(authMessage(1, '').protocolData.length, 2)
  })

  test('protocolData helpers', () => {
    assert.equal(findProtocolData(JS_ENTRIES, 'beep')?.contentType, 1)
    assert.equal(findProtocolData(JS_ENTRIES, 'nope'), undefined)
    assert.deepEqual(primaryIlpData(JS_ENTRIES), new Uint8Array(0))
    assert.equal(primaryIlpData(JS_ENTRIES.slice(1)), undefined)
    assert.equal(primaryIlpData([]), undefined)
    assert.equal(duplicateProtocolName(JS_ENTRIES), undefined)
    assert.equal(duplicateProtocolName([...JS_ENTRIES, JS_ENTRIES[2]!]), 'beep')
  })
})

describe('BTP regressions', () => {
  test('protocol names that are Object.prototype keys round-trip (btp-packet mis-encodes them from its name cache)', () => {
    for (const name of ['valueOf', 'toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const p: BtpPacket = { type: BtpPacketType.Message, requestId: 3, protocolData: [{ protocolName: name, contentType: 0, data: new Uint8Array([1]) }] }
      const bytes = encodeBtpPacket(p)
      assert.ok(Buffer.from(bytes).includes(Buffer.from(name)), name)
      assert.deepEqual(decodeBtpPacket(plain(bytes)), p)
    }
  })
})
