import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  ILP_DATA_MAX_LENGTH,
  decodeFulfill,
  decodeIlpPacket,
  decodePrepare,
  decodeReject,
  decodeReply,
  encodeIlpPacket,
  encodePrepare,
  packetBytes,
  patchPrepare,
  forwardablePrepareBytes,
  writeForwardedPrepare,
} from './packet.js'
import { IlpPacketType, RAW, RAW_DATA, type IlpPrepare } from './types.js'
import { readSharedJson, hex, toHex } from '../../test/support/shared.js'
import * as arb from '../../test/codec-support.js'

interface Vector {
  name: string
  binary: string
  json: Record<string, string>
}

const b64hex = (s: string): string => Buffer.from(s, 'base64').toString('hex')
const code = arb.codecErrorCode

describe('shared vectors (ilp-packet test/data, /work/shared/vectors/ilp-packet)', () => {
  test('Prepare example01', () => {
    const v = readSharedJson<Vector>('vectors/ilp-packet/prepare-example01.json')
    const p = decodePrepare(hex(v.binary))
    assert.equal(p.amount, BigInt(v.json.amount!))
    assert.equal(p.expiresAt.toISOString(), v.json.expiresAt)
    assert.equal(toHex(p.executionCondition), b64hex(v.json.executionCondition!))
    assert.equal(p.destination, v.json.destination)
    assert.equal(toHex(p.data), b64hex(v.json.data!))
    const fresh: IlpPrepare = { type: IlpPacketType.Prepare, amount: p.amount, expiresAt: p.expiresAt, executionCondition: p.executionCondition, destination: p.destination, data: p.data }
    assert.equal(toHex(encodeIlpPacket(fresh)), v.binary)
  })

  test('Fulfill example01', () => {
    const v = readSharedJson<Vector>('vectors/ilp-packet/fulfill-example01.json')
    const f = decodeFulfill(hex(v.binary))
    assert.equal(toHex(f.fulfillment), b64hex(v.json.fulfillment!))
    assert.equal(toHex(f.data), b64hex(v.json.data!))
    assert.equal(toHex(encodeIlpPacket({ type: IlpPacketType.Fulfill, fulfillment: f.fulfillment, data: f.data })), v.binary)
  })

  test('Reject example01 (protocol-notes §2.1: F01, example.us.bob, data 000000041041)', () => {
    const v = readSharedJson<Vector>('vectors/ilp-packet/reject-example01.json')
    const r = decodeReject(hex(v.binary))
    assert.equal(r.code, 'F01')
    assert.equal(r.triggeredBy, 'example.us.bob')
    assert.equal(r.message, 'missing destination. ledger=example.us.')
    assert.equal(toHex(r.data), '000000041041')
    const { code: c, triggeredBy, message, data } = r
    assert.equal(toHex(encodeIlpPacket({ type: IlpPacketType.Reject, code: c, triggeredBy, message, data })), v.binary)
  })
})

describe('envelope and field limits', () => {
  const example = hex(readSharedJson<Vector>('vectors/ilp-packet/prepare-example01.json').binary)

  test('unknown type byte, empty input and a Prepare where a reply is expected', () => {
    assert.equal(code(() => decodeIlpPacket(hex('0b00'))), 'ILP_UNKNOWN_TYPE')
    assert.equal(code(() => decodeIlpPacket(new Uint8Array(0))), 'OER_TRUNCATED')
    assert.equal(code(() => decodeReply(example)), 'ILP_UNKNOWN_TYPE')
    assert.equal(code(() => decodeFulfill(example)), 'ILP_UNKNOWN_TYPE')
  })

  test('every truncation of a valid packet is a CodecError', () => {
    for (let n = 0; n < example.length; n++) assert.ok(code(() => decodeIlpPacket(example.subarray(0, n))), `length ${n}`)
  })

  test('bytes after the envelope and after the last field are ignored (RFC 30); RAW covers the envelope only', () => {
    const trailing = new Uint8Array([...example, 0xde, 0xad])
    const p = decodePrepare(trailing)
    assert.equal(toHex(p[RAW]!), toHex(example))
    const body = example.subarray(2)
    const grown = new Uint8Array([0x0c, body.length + 3, ...body, 1, 2, 3])
    assert.equal(decodePrepare(grown).destination, 'example.alice')
  })

  test('bytes after data inside the envelope: a forwarded or re-sent packet is re-encoded, ending at its data', () => {
    const body = example.subarray(2)
    const grown = new Uint8Array([0x0c, body.length + 3, ...body, 1, 2, 3])
    const p = decodePrepare(grown)
    assert.equal(toHex(encodePrepare(p)), toHex(example), 'not the RAW bytes with the extension')
    const patched = patchPrepare(p, 99n, p.expiresAt)
    assert.equal(patched[RAW], undefined)
    assert.equal(toHex(encodePrepare(patched)), toHex(encodePrepare({ ...decodePrepare(example), [RAW]: undefined, amount: 99n })))
  })

  test('data of 32767 bytes is accepted, 32768 is ILP_DATA_TOO_LONG on encode and decode', () => {
    const base: IlpPrepare = { ...decodePrepare(example), [RAW]: undefined }
    const max = encodePrepare({ ...base, data: new Uint8Array(ILP_DATA_MAX_LENGTH) })
    assert.equal(toHex(max.subarray(0, 4)), '0c828049') // 3-byte long-form envelope length
    assert.equal(decodePrepare(max).data.length, ILP_DATA_MAX_LENGTH)
    assert.equal(code(() => encodePrepare({ ...base, data: new Uint8Array(ILP_DATA_MAX_LENGTH + 1) })), 'ILP_DATA_TOO_LONG')
    const f = encodeIlpPacket({ type: IlpPacketType.Fulfill, fulfillment: new Uint8Array(32), data: new Uint8Array(ILP_DATA_MAX_LENGTH) })
    const tooLong = new Uint8Array(f.length + 1)
    tooLong.set([0x0d, 0x82, 0x80, 0x23, ...new Uint8Array(32), 0x82, 0x80, 0x00])
    assert.equal(code(() => decodeFulfill(tooLong)), 'ILP_DATA_TOO_LONG')
  })

  test('destination longer than 1023 or invalid, and a malformed code, are rejected', () => {
    const base: IlpPrepare = { ...decodePrepare(example), [RAW]: undefined }
    assert.equal(decodePrepare(encodePrepare({ ...base, destination: 'test.'.padEnd(1023, 'a') })).destination.length, 1023)
    assert.equal(code(() => encodePrepare({ ...base, destination: 'test.'.padEnd(1024, 'a') })), 'ILP_INVALID_ADDRESS')
    const bad = example.slice()
    bad[bad.indexOf(0x2e)] = 0x20 // "example alice"
    assert.equal(code(() => decodePrepare(bad)), 'ILP_INVALID_ADDRESS')
    assert.equal(code(() => decodeReject(hex('0e06 663031 00 00 00'))), 'ILP_INVALID_CODE')
    assert.equal(code(() => encodeIlpPacket({ type: IlpPacketType.Reject, code: 'F1', triggeredBy: '', message: '', data: new Uint8Array(0) })), 'ILP_INVALID_CODE')
  })

  test('an empty triggeredBy is accepted (ASN SIZE 0..1023; JS STREAM sends it)', () => {
    const bytes = encodeIlpPacket({ type: IlpPacketType.Reject, code: 'F99', triggeredBy: '', message: '', data: new Uint8Array(0) })
    assert.equal(toHex(bytes), '0e06463939000000')
    assert.equal(decodeReject(bytes).triggeredBy, '')
  })

  test('amount and condition sizes are checked on encode', () => {
    const base: IlpPrepare = { ...decodePrepare(example), [RAW]: undefined }
    assert.equal(code(() => encodePrepare({ ...base, amount: 2n ** 64n })), 'OER_VALUE_OUT_OF_RANGE')
    assert.equal(code(() => encodePrepare({ ...base, amount: -1n })), 'OER_VALUE_OUT_OF_RANGE')
    assert.equal(code(() => encodePrepare({ ...base, executionCondition: new Uint8Array(31) })), 'ILP_INVALID_FIELD')
  })
})

describe('zero-copy forwarding (RAW + patchPrepare)', () => {
  const example = hex(readSharedJson<Vector>('vectors/ilp-packet/prepare-example01.json').binary)

  test('decoded fields are views of the input and RAW is the envelope', () => {
    const p = decodePrepare(example)
    assert.equal(p.data.buffer, example.buffer)
    assert.equal(p[RAW]!.buffer, example.buffer)
    assert.equal(encodePrepare(p), p[RAW], 'an unchanged decoded Prepare is not re-encoded')
  })

  test('patchPrepare rewrites only amount and expiry, in a copy, leaving the input untouched', () => {
    const input = Buffer.from(example) // a Node Buffer, as sockets deliver: Buffer#slice would alias it
    const p = decodePrepare(input)
    const out = patchPrepare(p, 99n, new Date('2017-12-23T01:21:39.549Z'))
    const bytes = packetBytes(out)
    assert.equal(toHex(input), toHex(example))
    const again = decodePrepare(bytes)
    assert.equal(again.amount, 99n)
    assert.equal(again.expiresAt.toISOString(), '2017-12-23T01:21:39.549Z')
    assert.deepEqual(arb.plain({ ...again, amount: 107n, expiresAt: p.expiresAt }), arb.plain(p))
    assert.equal(toHex(bytes.subarray(27)), toHex(example.subarray(27)), 'condition, destination, data byte-identical')
  })

  test('patching a long-form envelope (data ≥ 128 bytes) finds the amount after the 2-byte length', () => {
    const p = decodePrepare(encodePrepare({ ...decodePrepare(example), [RAW]: undefined, data: new Uint8Array(300).fill(7) }))
    const out = decodePrepare(packetBytes(patchPrepare(p, 2n ** 64n - 1n, p.expiresAt)))
    assert.equal(out.amount, 2n ** 64n - 1n)
    assert.equal(out.data.length, 300)
  })

  test('regression: a spread copy with a new amount is re-encoded, not sent with the stale RAW bytes', () => {
    const p = decodePrepare(example)
    const changed = { ...p, amount: 1n } // spread copies the RAW symbol property too
    assert.equal(decodePrepare(encodePrepare(changed)).amount, 1n)
    const later = { ...p, expiresAt: new Date(p.expiresAt.getTime() + 1) }
    assert.equal(decodePrepare(encodePrepare(later)).expiresAt.getTime(), p.expiresAt.getTime() + 1)
  })

  test('regression: spread copies with new data, condition or destination are re-encoded too', () => {
    const p = decodePrepare(example)
    const data = new Uint8Array([1, 2, 3])
    assert.equal(toHex(decodePrepare(encodePrepare({ ...p, data })).data), '010203')
    assert.equal(decodePrepare(encodePrepare({ ...p, destination: 'example.bobby' })).destination, 'example.bobby')
    const condition = new Uint8Array(32).fill(9)
    assert.equal(toHex(decodePrepare(encodePrepare({ ...p, executionCondition: condition })).executionCondition), toHex(condition))
    const patched = patchPrepare({ ...p, data }, 5n, p.expiresAt)
    assert.deepEqual([patched.amount, toHex(decodePrepare(packetBytes(patched)).data)], [5n, '010203'])
  })

  test('Fulfill and Reject: RAW is relayed unchanged, but not for spread copies with changed fields', () => {
    const reject = decodeReject(hex('0e16 463939 06672e636f6e6e 0768c3a96c6c6fff 03010203')) // g.conn, "héllo" + ff
    assert.equal(encodeIlpPacket(reject), reject[RAW], 'relayed byte-for-byte, invalid UTF-8 (ff) included')
    assert.equal(decodeReject(encodeIlpPacket({ ...reject, code: 'T00' })).code, 'T00')
    assert.equal(decodeReject(encodeIlpPacket({ ...reject, triggeredBy: 'g.me' })).triggeredBy, 'g.me')
    assert.equal(decodeReject(encodeIlpPacket({ ...reject, message: 'other' })).message, 'other')
    assert.equal(decodeReject(encodeIlpPacket({ ...reject, message: 'h\u00e9llo\ufffd' })).message, 'h\u00e9llo\ufffd')
    assert.equal(toHex(decodeReject(encodeIlpPacket({ ...reject, data: new Uint8Array([9]) })).data), '09')
    const fulfill = decodeFulfill(encodeIlpPacket({ type: IlpPacketType.Fulfill, fulfillment: new Uint8Array(32), data: new Uint8Array([1]) }))
    assert.equal(encodeIlpPacket(fulfill), fulfill[RAW])
    assert.equal(toHex(decodeFulfill(encodeIlpPacket({ ...fulfill, fulfillment: new Uint8Array(32).fill(1) })).fulfillment), '01'.repeat(32))
    assert.equal(toHex(decodeFulfill(encodeIlpPacket({ ...fulfill, data: new Uint8Array(0) })).data), '')
  })

  test('a patched Prepare copies nothing: its bytes are made once, when sent, as RAW with two fields written over', () => {
    const input = decodePrepare(example)
    const out = patchPrepare(input, 99n, new Date('2017-12-23T01:21:39.549Z'))
    assert.equal(out[RAW], input[RAW], 'RAW is the incoming envelope')
    assert.equal(out.data, input.data)
    assert.equal(out.executionCondition, input.executionCondition)
    const encoded = encodePrepare(out)
    assert.notEqual(encoded, input[RAW])
    assert.equal(toHex(input[RAW]!), toHex(example), 'the input is untouched')
    // The link's path: copy forwardablePrepareBytes into its own buffer, then write amount and expiry over it.
    const raw = forwardablePrepareBytes(out)!
    const frame = new Uint8Array(raw.length + 5).fill(0xee)
    frame.set(raw, 3)
    writeForwardedPrepare(frame, 3, out)
    assert.equal(toHex(frame.subarray(3, 3 + raw.length)), toHex(encoded))
    assert.deepEqual([frame[2], frame[3 + raw.length]], [0xee, 0xee], 'nothing written outside the packet')
    const again = decodePrepare(encoded)
    assert.equal(again.amount, 99n)
    assert.equal(again.expiresAt.toISOString(), '2017-12-23T01:21:39.549Z')
  })

  test('forwardablePrepareBytes: RAW only when it holds the other fields; amount and expiry are checked', () => {
    const p = decodePrepare(example)
    assert.equal(forwardablePrepareBytes(p), p[RAW])
    assert.equal(forwardablePrepareBytes({ ...p, data: new Uint8Array([1]) }), undefined)
    assert.equal(forwardablePrepareBytes({ ...p, [RAW]: undefined }), undefined)
    assert.equal(code(() => forwardablePrepareBytes({ ...p, amount: 2n ** 64n })), 'OER_VALUE_OUT_OF_RANGE')
    assert.equal(code(() => forwardablePrepareBytes({ ...p, expiresAt: new Date(NaN) })), 'ILP_INVALID_TIMESTAMP')
    assert.equal(code(() => patchPrepare(p, 1n, new Date(NaN))), 'ILP_INVALID_TIMESTAMP')
  })

  test('patchPrepare without RAW (a locally built Prepare) still encodes correctly', () => {
    const p: IlpPrepare = { ...decodePrepare(example), [RAW]: undefined }
    assert.equal(decodePrepare(encodePrepare(patchPrepare(p, 5n, p.expiresAt))).amount, 5n)
    assert.equal(code(() => patchPrepare(p, -1n, p.expiresAt)), 'OER_VALUE_OUT_OF_RANGE')
  })
})

describe('address memo', () => {
  test('regression: reusing the input buffer for a different address decodes the new address', () => {
    const example = hex(readSharedJson<Vector>('vectors/ilp-packet/prepare-example01.json').binary)
    const socketBuffer = Buffer.from(example) // sockets hand out Buffers whose memory is reused
    assert.equal(decodePrepare(socketBuffer).destination, 'example.alice')
    assert.equal(decodePrepare(socketBuffer).destination, 'example.alice') // the repeat makes the memo keep bytes
    const at = socketBuffer.indexOf('alice')
    socketBuffer.write('bobby', at, 'ascii')
    assert.equal(decodePrepare(socketBuffer).destination, 'example.bobby')
    assert.equal(decodePrepare(socketBuffer).destination, 'example.bobby')
    socketBuffer.write('alice', at, 'ascii')
    assert.equal(decodePrepare(socketBuffer).destination, 'example.alice')
    socketBuffer.write('al ce', at, 'ascii')
    assert.equal(code(() => decodePrepare(socketBuffer)), 'ILP_INVALID_ADDRESS')
  })
})

describe('destination memo on encode', () => {
  test('alternating, repeated and changed destinations encode to their own bytes', () => {
    const base: IlpPrepare = { type: IlpPacketType.Prepare, amount: 1n, expiresAt: new Date(0), executionCondition: new Uint8Array(32), destination: 'g.a', data: new Uint8Array(0) }
    for (const destination of ['g.alice', 'g.alice', 'g.alice', 'g.bob', 'g.alice', 'g.alicf', 'g.alicf', 'g.bob']) {
      assert.equal(decodePrepare(encodePrepare({ ...base, destination })).destination, destination)
    }
  })
})

describe('round-trip properties', () => {
  test('Prepare', () => {
    fc.assert(
      fc.property(arb.prepare(), (p) => {
        const bytes = encodeIlpPacket(p)
        const back = decodeIlpPacket(bytes)
        assert.deepEqual(arb.plain(back), arb.plain(p))
        assert.equal(toHex(encodeIlpPacket({ ...back, [RAW]: undefined })), toHex(bytes))
      }),
      { numRuns: 1000 },
    )
  })

  test('a decoded packet with any one field replaced (spread) encodes the replacement, never its stale RAW', () => {
    const pairs = fc.oneof(
      fc.tuple(arb.prepare(), arb.prepare()),
      fc.tuple(arb.fulfill, arb.fulfill),
      fc.tuple(arb.reject, arb.reject),
    )
    fc.assert(
      fc.property(pairs, fc.nat(), ([a, b], pick) => {
        const decoded = decodeIlpPacket(encodeIlpPacket(a))
        const fields = Object.keys(b).filter((k) => k !== 'type')
        const field = fields[pick % fields.length]!
        const changed = { ...decoded, [field]: (b as unknown as Record<string, unknown>)[field] } as typeof decoded
        assert.deepEqual(arb.plain(decodeIlpPacket(encodeIlpPacket(changed))), arb.plain({ ...a, [field]: (b as unknown as Record<string, unknown>)[field] } as typeof a))
      }),
      { numRuns: 2000 },
    )
  })

  test('Fulfill and Reject', () => {
    fc.assert(
      fc.property(fc.oneof(arb.fulfill, arb.reject), (p) => {
        const back = decodeReply(encodeIlpPacket(p))
        assert.deepEqual(arb.plain(back), arb.plain(p))
      }),
      { numRuns: 1000 },
    )
  })
})

describe('interledger-rs fixtures (crates/interledger-packet/src/fixtures.rs)', () => {
  // 257 bytes of data shared by the three packets; fulfillment = condition bytes there (encoding-only vectors).
  const DATA =
    '6c99f6a969473028ef46e09b471581c915b6d5496329c1e3a1c2748d7422a7bdcc798e286cabe3197cccfc213e930b8dba57c7abdf2d1f3b25' +
    '11689de4f0eff441f53da0feffd23249a355b26c3bd0256d5122e7ccdf159fd6cb083dd73cb29397967871becd04890492119c5e3e6b024be3' +
    '5de26466f60c16d90a21054fb13800120cfb85b0df76e50aacd68526fd043026d3d02010c671987a1f6501b5085f0d7d5897624be5862f98c0' +
    '1df65792970181a87d0f3c586a0ca6bd89dc372c45eef5b38a6307b16f1d7d31e8d92e5982c9dd2986eaad581f212d43da9c5cb7b948fc1891' +
    '4be90219709d0c26d3b5f4ad879d8494bb3aebfe612ec54041e4a380f0'
  const CONDITION = '117b434f1a54e9044f4f54923b2cff9e4a6d420ae281d5025d7bb040c4b4c04a'
  const PREPARE = '0c82014b000000000000006b' + '3230313830363037323034383432343833' + CONDITION + '0d6578616d706c652e616c696365' + '820101' + DATA
  const FULFILL = '0d820124' + CONDITION + '820101' + DATA
  const REJECT = '0e820124463939' + '116578616d706c652e636f6e6e6563746f72' + '0a536f6d65206572726f72' + '820101' + DATA

  test('Prepare: 107 to example.alice, expiring 2018-06-07T20:48:42.483Z, 257-byte data', () => {
    assert.equal(DATA.length, 2 * 257)
    const p = decodePrepare(hex(PREPARE))
    assert.deepEqual(arb.plain(p), {
      type: IlpPacketType.Prepare,
      amount: '107',
      expiresAt: '2018-06-07T20:48:42.483Z',
      executionCondition: CONDITION,
      destination: 'example.alice',
      data: DATA,
    })
    assert.equal(toHex(encodeIlpPacket({ ...p, [RAW]: undefined })), PREPARE)
  })

  test('Fulfill and Reject (F99 from example.connector, "Some error")', () => {
    const f = decodeFulfill(hex(FULFILL))
    assert.equal(toHex(f.fulfillment), CONDITION)
    assert.equal(toHex(encodeIlpPacket({ ...f, [RAW]: undefined })), FULFILL)
    const r = decodeReject(hex(REJECT))
    assert.deepEqual([r.code, r.triggeredBy, r.message, toHex(r.data)], ['F99', 'example.connector', 'Some error', DATA])
    assert.equal(toHex(encodeIlpPacket({ ...r, [RAW]: undefined })), REJECT)
  })
})

describe('decodePrepare fast path (no Reader) agrees with the general path', () => {
  /** A decode outcome as comparable text: the fields and RAW, or the CodecError code. */
  function outcome(decode: () => IlpPrepare | ReturnType<typeof decodeIlpPacket>): string {
    let text = ''
    const error = code(() => {
      const p = decode()
      if (p.type !== IlpPacketType.Prepare) text = `type ${p.type}`
      else text = [p.amount, p.expiresAt.getTime(), toHex(p.executionCondition), p.destination, toHex(p.data), toHex(p[RAW]!)].join('|')
    })
    return error === undefined ? text : `error ${error}`
  }

  function prepareBytes(destinationLength: number, dataLength: number): Uint8Array {
    const destination = ('g.' + 'a'.repeat(destinationLength)).slice(0, destinationLength)
    return encodePrepare({
      amount: 2n ** 40n + 7n,
      expiresAt: new Date('2026-11-25T08:00:00.123Z'),
      executionCondition: new Uint8Array(32).fill(3),
      destination,
      data: new Uint8Array(dataLength).fill(5),
    })
  }

  // Short and long length determinants for the envelope, the address and the data.
  const shapes: Array<[number, number]> = [[5, 0], [41, 100], [130, 20], [41, 300], [1023, 1]]

  test('every truncation, trailing byte and single-byte change decodes or fails alike', () => {
    let compared = 0
    for (const [destinationLength, dataLength] of shapes) {
      const good = prepareBytes(destinationLength, dataLength)
      for (let n = 0; n <= good.length; n++) {
        const cut = good.slice(0, n)
        assert.equal(outcome(() => decodePrepare(cut)), outcome(() => decodeIlpPacket(cut)), `truncated to ${n}`)
        compared++
      }
      const longer = new Uint8Array(good.length + 3)
      longer.set(good)
      assert.equal(outcome(() => decodePrepare(longer)), outcome(() => decodeIlpPacket(longer)))
      for (let i = 0; i < Math.min(good.length, 120); i++) {
        for (const v of [0x00, 0x01, 0x30, 0x7f, 0x80, 0x81, 0x82, 0x83, 0xff]) {
          const bad = good.slice()
          bad[i] = v
          assert.equal(outcome(() => decodePrepare(bad)), outcome(() => decodeIlpPacket(bad)), `byte ${i} = ${v}`)
          compared++
        }
      }
    }
    assert.ok(compared > 5000)
  })

  test('a non-canonical long-form envelope length is rejected, and a Buffer input gives Buffer views', () => {
    const good = prepareBytes(5, 0) // body < 128 bytes: short form
    const nonCanonical = new Uint8Array(good.length + 1)
    nonCanonical.set([good[0]!, 0x81, good[1]!])
    nonCanonical.set(good.subarray(2), 3)
    assert.equal(outcome(() => decodePrepare(nonCanonical)), 'error OER_NON_CANONICAL_LENGTH')
    const fromBuffer = decodePrepare(Buffer.from(prepareBytes(41, 100)))
    assert.ok(Buffer.isBuffer(fromBuffer.data) && Buffer.isBuffer(fromBuffer.executionCondition))
  })

  test('the repeated amount is the same value on every decode', () => {
    const a = decodePrepare(prepareBytes(41, 1))
    const small = encodePrepare({ ...a, amount: 99n, [RAW]: undefined })
    assert.equal(decodePrepare(small).amount, 99n)
    assert.equal(decodePrepare(small).amount, 99n)
    assert.equal(decodePrepare(prepareBytes(41, 1)).amount, 2n ** 40n + 7n)
  })
})

describe('Fulfill fast path (no Reader) agrees with the general path', () => {
  function outcome(decode: () => ReturnType<typeof decodeIlpPacket>): string {
    let text = ''
    const error = code(() => {
      const p = decode()
      if (p.type !== IlpPacketType.Fulfill) text = `type ${p.type}`
      else text = [toHex(p.fulfillment), toHex(p.data), toHex(p[RAW]!), p[RAW_DATA] === p.data].join('|')
    })
    return error === undefined ? text : `error ${error}`
  }

  test('every truncation, trailing byte and single-byte change decodes or fails alike', () => {
    let compared = 0
    for (const dataLength of [0, 5, 127, 128, 300]) {
      const good = encodeIlpPacket({ type: IlpPacketType.Fulfill, fulfillment: new Uint8Array(32).fill(9), data: new Uint8Array(dataLength).fill(4) })
      const inputs: Uint8Array[] = []
      for (let n = 0; n <= good.length; n++) inputs.push(good.slice(0, n))
      const longer = new Uint8Array(good.length + 3)
      longer.set(good)
      inputs.push(longer)
      for (let i = 0; i < Math.min(good.length, 50); i++) {
        for (const v of [0x00, 0x01, 0x0c, 0x0e, 0x20, 0x7f, 0x80, 0x81, 0x82, 0xff]) {
          const bad = good.slice()
          bad[i] = v
          inputs.push(bad)
        }
      }
      for (const input of inputs) {
        const general = outcome(() => decodeIlpPacket(input))
        const expectedReply = general.startsWith('type 12') ? 'error ILP_UNKNOWN_TYPE' : general
        assert.equal(outcome(() => decodeReply(input)), expectedReply, toHex(input))
        if (input[0] === IlpPacketType.Fulfill) assert.equal(outcome(() => decodeFulfill(input)), general, toHex(input))
        compared++
      }
    }
    assert.ok(compared > 1000)
  })
})
