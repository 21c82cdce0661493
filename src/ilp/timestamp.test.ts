import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { CodecError } from '../oer/errors.js'
import { formatIlpTimestamp, parseIlpTimestamp, readIlpTimestamp, writeIlpTimestamp } from './timestamp.js'
import { hex } from '../../test/support/shared.js'

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof CodecError, `expected a CodecError, got ${String(err)}`)
    return err.code
  }
  assert.fail('expected a CodecError')
}

/** Every date four year digits can hold, at millisecond precision. */
const ilpDates = fc.date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true })

describe('ILP timestamp (RFC 27 / RFC 30: 17-char YYYYMMDDHHmmSSfff)', () => {
  test('the RFC 30 example 20171224161432279 ↔ 2017-12-24T16:14:32.279Z, bytes 32303137…39', () => {
    const bytes = hex('32303137 31323234 31363134 33323237 39')
    assert.equal(readIlpTimestamp(bytes).toISOString(), '2017-12-24T16:14:32.279Z')
    assert.equal(parseIlpTimestamp('20171224161432279').toISOString(), '2017-12-24T16:14:32.279Z')
    assert.equal(formatIlpTimestamp(new Date('2017-12-24T16:14:32.279Z')), '20171224161432279')
  })

  test('midnight is 000000000 of the next day', () => {
    assert.equal(formatIlpTimestamp(new Date('2017-12-25T00:00:00.000Z')), '20171225000000000')
  })

  test('milliseconds keep three digits', () => {
    assert.equal(formatIlpTimestamp(new Date('2017-12-24T16:14:32.005Z')), '20171224161432005')
  })

  const invalid: Array<[string, string]> = [
    ['20171324161432200', 'month 13'],
    ['20171224240000000', 'hour 24 (midnight written as 24:00)'],
    ['20161231235960852', 'leap second 60'],
    ['20171200161432200', 'day 0'],
    ['20170229161432200', '29 February of a common year'],
    ['20171231236032200', 'minute 60'],
    ['2017122416143227Z', 'a non-digit'],
    ['2017-12-24T16:14Z', 'separators'],
  ]
  for (const [s, why] of invalid) {
    test(`rejects ${s} (${why})`, () => assert.equal(codeOf(() => parseIlpTimestamp(s)), 'ILP_INVALID_TIMESTAMP'))
  }

  test('rejects the short 20171224215300 and the long 201712242153124318', () => {
    assert.equal(codeOf(() => parseIlpTimestamp('20171224215300')), 'ILP_INVALID_TIMESTAMP')
    assert.equal(codeOf(() => parseIlpTimestamp('201712242153124318')), 'ILP_INVALID_TIMESTAMP')
    assert.equal(codeOf(() => readIlpTimestamp(hex('3230313731323234'))), 'OER_TRUNCATED')
  })

  test('accepts 29 February of a leap year, including 2000', () => {
    assert.equal(parseIlpTimestamp('20000229000000000').toISOString(), '2000-02-29T00:00:00.000Z')
    assert.equal(codeOf(() => parseIlpTimestamp('21000229000000000')), 'ILP_INVALID_TIMESTAMP')
  })

  test('years 0000 and 9999 are exact (no Date.UTC two-digit-year mapping)', () => {
    assert.equal(parseIlpTimestamp('00500101000000000').getUTCFullYear(), 50)
    assert.equal(parseIlpTimestamp('99991231235959999').toISOString(), '9999-12-31T23:59:59.999Z')
  })

  test('dates outside 0000..9999 and invalid dates cannot be written', () => {
    const out = new Uint8Array(17)
    assert.equal(codeOf(() => writeIlpTimestamp(out, 0, new Date('+010000-01-01T00:00:00Z'))), 'ILP_INVALID_TIMESTAMP')
    assert.equal(codeOf(() => writeIlpTimestamp(out, 0, new Date(NaN))), 'ILP_INVALID_TIMESTAMP')
    assert.equal(codeOf(() => writeIlpTimestamp(out, 0, new Date(-62_167_219_200_001))), 'ILP_INVALID_TIMESTAMP')
  })

  test('property: every date round-trips and formats like toISOString without separators', () => {
    fc.assert(
      fc.property(ilpDates, (date) => {
        const s = formatIlpTimestamp(date)
        assert.equal(s.length, 17)
        const iso = date.toISOString()
        assert.equal(s, iso.slice(0, 23).replace(/[-T:.]/g, ''))
        assert.equal(parseIlpTimestamp(s).getTime(), date.getTime())
      }),
      { numRuns: 2000 },
    )
  })
})

describe('the remembered date (timestamp.ts memo)', () => {
  test('eight zero bytes never match the memo before any date was read', () => {
    const bytes = new Uint8Array(17)
    bytes.set(new TextEncoder().encode('123456789'), 8)
    assert.equal(codeOf(() => readIlpTimestamp(bytes)), 'ILP_INVALID_TIMESTAMP')
  })

  test('alternating days, and an invalid date right after a valid one of the same month', () => {
    for (let i = 0; i < 50; i++) {
      for (const iso of ['2026-11-25T08:00:00.123Z', '2026-11-26T23:59:59.999Z', '0000-01-01T00:00:00.000Z', '1970-01-01T00:00:00.001Z']) {
        assert.equal(parseIlpTimestamp(formatIlpTimestamp(new Date(iso))).toISOString(), iso)
      }
    }
    assert.equal(parseIlpTimestamp('20261125080000123').toISOString(), '2026-11-25T08:00:00.123Z')
    assert.equal(codeOf(() => parseIlpTimestamp('20261125240000123')), 'ILP_INVALID_TIMESTAMP')
    assert.equal(codeOf(() => parseIlpTimestamp('2026112508000012a')), 'ILP_INVALID_TIMESTAMP')
    assert.equal(codeOf(() => parseIlpTimestamp('20261131080000123')), 'ILP_INVALID_TIMESTAMP')
  })

  test('round trip of random dates in runs of one day', () => {
    fc.assert(
      fc.property(ilpDates, fc.array(fc.integer({ min: 0, max: 86_399_999 }), { minLength: 1, maxLength: 5 }), (d, offsets) => {
        const dayStart = Math.floor(d.getTime() / 86_400_000) * 86_400_000
        for (const o of offsets) {
          const t = new Date(Math.min(dayStart + o, 253_402_300_799_999))
          assert.equal(parseIlpTimestamp(formatIlpTimestamp(t)).getTime(), t.getTime())
        }
      }),
      { numRuns: 1000 },
    )
  })
})
