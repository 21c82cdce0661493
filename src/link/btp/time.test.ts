import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { CodecError } from '../../oer/errors.js'
import { formatGeneralizedTime, parseGeneralizedTime, readGeneralizedTime } from './time.js'
import { mulberry32 } from '../../../test/support/fuzz.js'

describe('GeneralizedTime (RFC 30 §"Variable-length Timestamps")', () => {
  test('decodes every valid example of RFC 30', () => {
    const valid: [string, string][] = [
      ['20171224161432.279Z', '2017-12-24T16:14:32.279Z'],
      ['20171224161432.27Z', '2017-12-24T16:14:32.270Z'],
      ['20171224161432.2Z', '2017-12-24T16:14:32.200Z'],
      ['20171224161432Z', '2017-12-24T16:14:32.000Z'],
      ['20171225000000Z', '2017-12-25T00:00:00.000Z'],
      ['99991224161432.279Z', '9999-12-24T16:14:32.279Z'],
    ]
    for (const [text, iso] of valid) assert.equal(parseGeneralizedTime(text).toISOString(), iso, text)
  })

  test('decodes the leap second as the following instant (a Date cannot hold second 60)', () => {
    assert.equal(parseGeneralizedTime('20161231235960.852Z').toISOString(), '2017-01-01T00:00:00.852Z')
  })

  test('decodes the `.mmmZ` form btp-packet writes, trailing zeros included', () => {
    assert.equal(parseGeneralizedTime('20170828183200.000Z').toISOString(), '2017-08-28T18:32:00.000Z')
    assert.equal(parseGeneralizedTime('20171224161432.200Z').toISOString(), '2017-12-24T16:14:32.200Z')
  })

  test('rejects every invalid example of RFC 30, and more', () => {
    const invalid = [
      '20171224235312.431+0200', // not UTC
      '20171224215312.4318Z', // too much precision
      '20171224161432,279Z', // wrong decimal separator
      '20171324161432.279Z', // month out of range
      '20171224230000.20Z', // spurious trailing zero
      '20171224230000.0Z', // spurious zero fraction
      '20171224230000.Z', // spurious decimal point
      '20171224240000Z', // wrong midnight
      '2017122421531Z', // missing digit in seconds
      '201712242153Z', // missing seconds
      '2017122421Z', // missing seconds and minutes
      '20171224161432.279', // no Z
      '20171224161432.279z', // lower-case z
      '20170229120000Z', // not a leap year
      '20170431120000Z', // April 31
      '20170001120000Z', // month 0
      '20170100120000Z', // day 0
      '20171224166032Z', // minute 60
      '20171224161461Z', // second 61
      '20171224161460Z', // second 60 outside 23:59
      '2017122416143a.279Z', // non-digit
      '20171224161432.2a9Z', // non-digit fraction
      '',
      'Z',
      '20171224161432\u00e9Z', // non-ASCII
    ]
    for (const text of invalid) {
      assert.throws(() => parseGeneralizedTime(text), (e: unknown) => e instanceof CodecError && e.code === 'BTP_INVALID_TIME', text)
    }
  })

  test('encodes in the JS form by default and in the trimmed RFC form on request', () => {
    const cases: [string, string, string][] = [
      ['2017-12-24T16:14:32.279Z', '20171224161432.279Z', '20171224161432.279Z'],
      ['2017-12-24T16:14:32.200Z', '20171224161432.200Z', '20171224161432.2Z'],
      ['2017-12-24T16:14:32.020Z', '20171224161432.020Z', '20171224161432.02Z'],
      ['2017-12-24T16:14:32.000Z', '20171224161432.000Z', '20171224161432Z'],
      ['2017-12-24T00:00:00.000Z', '20171224000000.000Z', '20171224000000Z'],
    ]
    for (const [iso, js, rfc] of cases) {
      assert.equal(formatGeneralizedTime(new Date(iso)), js)
      assert.equal(formatGeneralizedTime(new Date(iso), 'rfc'), rfc)
    }
  })

  test('refuses to encode an invalid Date or a year beyond four digits', () => {
    assert.throws(() => formatGeneralizedTime(new Date(NaN)), CodecError)
    assert.throws(() => formatGeneralizedTime(new Date('+010000-01-01T00:00:00Z')), CodecError)
  })

  test('round-trips both forms for any date in 0000..9999', () => {
    const date = fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true })
    fc.assert(
      fc.property(date, fc.constantFrom('js' as const, 'rfc' as const), (d, form) => {
        assert.equal(parseGeneralizedTime(formatGeneralizedTime(d, form)).getTime(), d.getTime())
      }),
      { numRuns: 5000 },
    )
  })

  test('fuzz: random byte strings never throw anything but CodecError', () => {
    const alphabet = [0x30, 0x31, 0x32, 0x35, 0x39, 0x2e, 0x5a, 0x2b, 0x2c, 0x00, 0xff]
    const rnd = mulberry32(7)
    for (let i = 0; i < 100_000; i++) {
      const bytes = new Uint8Array(Math.floor(rnd() * 22))
      for (let k = 0; k < bytes.length; k++) bytes[k] = rnd() < 0.7 ? 0x30 + Math.floor(rnd() * 10) : alphabet[Math.floor(rnd() * alphabet.length)]!
      try {
        const d = readGeneralizedTime(bytes)
        assert.ok(Number.isFinite(d.getTime()))
      } catch (e) {
        if (!(e instanceof CodecError)) throw e
      }
    }
  })
})

/** Small deterministic PRNG so a fuzz failure reproduces. */
