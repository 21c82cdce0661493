import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  U64_MAX,
  isU64,
  checkU64,
  saturateU64,
  Ratio,
  MoneyError,
  parseAmount,
  parseExactDecimal,
  mulDivFloor,
  mulDivCeil,
  divFloor,
  divCeil,
  applyFloor,
  applyCeil,
} from './index.js'

const u64 = fc.bigInt({ min: 0n, max: U64_MAX })
const positive = fc.bigInt({ min: 1n, max: U64_MAX })
const ratio = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 10n ** 30n }))
  .map(([n, d]) => Ratio.from(n, d))
const positiveRatio = fc.tuple(positive, positive).map(([n, d]) => Ratio.from(n, d))

function code(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof MoneyError, `expected MoneyError, got ${String(err)}`)
    return err.code
  }
  assert.fail('expected a throw')
}

describe('u64', () => {
  test('bounds', () => {
    assert.equal(U64_MAX, 2n ** 64n - 1n)
    assert.ok(isU64(0n) && isU64(U64_MAX))
    assert.ok(!isU64(-1n) && !isU64(U64_MAX + 1n))
    assert.equal(checkU64(5n), 5n)
    assert.equal(code(() => checkU64(U64_MAX + 1n)), 'MONEY_NOT_U64')
    assert.equal(code(() => checkU64(-1n, 'sourceAmount')), 'MONEY_NOT_U64')
    assert.equal(saturateU64(U64_MAX * 2n), U64_MAX)
    assert.equal(saturateU64(-3n), 0n)
  })
})

describe('parsing decimals exactly', () => {
  test('strings, numbers and bigints', () => {
    assert.deepEqual(Ratio.fromDecimal('0.92'), Ratio.from(23n, 25n))
    assert.deepEqual(Ratio.fromDecimal(0.92), Ratio.from(23n, 25n))
    assert.deepEqual(Ratio.fromDecimal('0.1'), Ratio.from(1n, 10n))
    assert.deepEqual(Ratio.fromDecimal(0.1), Ratio.from(1n, 10n)) // not 0.1000000000000000055…
    assert.deepEqual(Ratio.fromDecimal('1e-3'), Ratio.from(1n, 1000n))
    assert.deepEqual(Ratio.fromDecimal(1e-7), Ratio.from(1n, 10_000_000n))
    assert.deepEqual(Ratio.fromDecimal('2.5E6'), Ratio.from(2_500_000n))
    assert.deepEqual(Ratio.fromDecimal(' 7 '), Ratio.from(7n))
    assert.deepEqual(Ratio.fromDecimal('.5'), Ratio.from(1n, 2n))
    assert.deepEqual(Ratio.fromDecimal(12n), Ratio.from(12n))
    assert.deepEqual(Ratio.fromDecimal('-0'), Ratio.ZERO)
    assert.deepEqual(Ratio.fromDecimal('123456789012345678901234567890.5'), Ratio.from(246913578024691357802469135781n, 2n))
  })

  test('refusals', () => {
    for (const bad of ['', ' ', 'abc', '1,000', '0x10', '1e', 'e5', '.', '1.2.3', '1 000', 'NaN', 'Infinity', '1e999', '1'.repeat(101)]) {
      assert.equal(code(() => Ratio.fromDecimal(bad)), 'MONEY_INVALID_DECIMAL', bad)
    }
    assert.equal(code(() => Ratio.fromDecimal(Number.NaN)), 'MONEY_INVALID_DECIMAL')
    assert.equal(code(() => Ratio.fromDecimal(5e-324)), 'MONEY_INVALID_DECIMAL') // exponent beyond ±60
    assert.equal(code(() => Ratio.fromDecimal(Number.POSITIVE_INFINITY)), 'MONEY_INVALID_DECIMAL')
    assert.equal(code(() => Ratio.fromDecimal('-0.5')), 'MONEY_NEGATIVE')
    assert.equal(code(() => Ratio.fromDecimal(-2)), 'MONEY_NEGATIVE')
    assert.equal(code(() => Ratio.fromDecimal({} as unknown as string)), 'MONEY_INVALID_DECIMAL')
  })

  test('parseAmount takes whole amounts, signed only when allowed', () => {
    assert.equal(parseAmount('1000000'), 1_000_000n)
    assert.equal(parseAmount(1e6), 1_000_000n)
    assert.equal(parseAmount('18446744073709551615'), U64_MAX)
    assert.equal(parseAmount('1.000'), 1n)
    assert.equal(parseAmount('-500', { allowNegative: true }), -500n)
    assert.equal(code(() => parseAmount('-500')), 'MONEY_NEGATIVE')
    assert.equal(code(() => parseAmount('1.5')), 'MONEY_NOT_INTEGER')
    assert.deepEqual(parseExactDecimal('-1.25e1', { allowNegative: true }), { digits: -125n, scale: 1n })
  })

  test('property: a decimal text round-trips through toDecimalString', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 25n }), fc.integer({ min: 0, max: 18 }), (digits, scale) => {
        const r = Ratio.from(digits, 10n ** BigInt(scale))
        assert.ok(Ratio.fromDecimal(r.toDecimalString(scale)).equals(r))
      }),
    )
  })

  test('property: any finite non-negative double parses to the value it prints as', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e15, noNaN: true }).filter((x) => x === 0 || x >= 1e-40), (x) => {
        const r = Ratio.fromDecimal(x)
        // The exact ratio agrees with the double to the double's precision.
        const approx = Number(r.num) / Number(r.den)
        assert.ok(Math.abs(approx - x) <= Math.abs(x) * 1e-15 + Number.MIN_VALUE)
      }),
    )
  })
})

describe('Ratio', () => {
  test('is reduced with a positive denominator', () => {
    const r = Ratio.from(-6n, -4n)
    assert.equal(r.num, 3n)
    assert.equal(r.den, 2n)
    assert.equal(r.toString(), '3/2')
    assert.equal(JSON.stringify({ rate: r }), '{"rate":"3/2"}')
    assert.ok(Ratio.parse('6/4').equals(r))
    assert.ok(Ratio.parse('5').equals(Ratio.from(5n)))
    assert.equal(code(() => Ratio.from(1n, 0n)), 'MONEY_DIVIDE_BY_ZERO')
    assert.equal(code(() => Ratio.from(-1n, 2n)), 'MONEY_NEGATIVE')
    assert.equal(code(() => Ratio.ZERO.inverse()), 'MONEY_DIVIDE_BY_ZERO')
    assert.equal(code(() => Ratio.ONE.div(Ratio.ZERO)), 'MONEY_DIVIDE_BY_ZERO')
    assert.equal(code(() => Ratio.parse('1.5')), 'MONEY_INVALID_DECIMAL')
  })

  test('toDecimalString rounds half up for display', () => {
    assert.equal(Ratio.from(2n, 3n).toDecimalString(3), '0.667')
    assert.equal(Ratio.from(1n, 3n).toDecimalString(3), '0.333')
    assert.equal(Ratio.from(1n, 8n).toDecimalString(2), '0.13')
    assert.equal(Ratio.from(5n, 2n).toDecimalString(0), '3')
    assert.equal(Ratio.from(23n, 25n).toDecimalString(4), '0.9200')
    assert.equal(Ratio.from(123n).toDecimalString(1), '123.0')
    assert.throws(() => Ratio.ONE.toDecimalString(-1), RangeError)
  })

  test('properties: reduced, mul/div/inverse, compare', () => {
    fc.assert(
      fc.property(ratio, positiveRatio, (a, b) => {
        let x = a.num
        let y = a.den
        while (y !== 0n) [x, y] = [y, x % y]
        assert.ok(a.den > 0n && (a.num === 0n ? a.den === 1n : x === 1n))
        assert.ok(a.mul(b).div(b).equals(a))
        assert.ok(b.inverse().inverse().equals(b))
        assert.ok(b.mul(b.inverse()).equals(Ratio.ONE))
        const cmp = a.compare(b)
        assert.equal(cmp, -b.compare(a) || 0)
        assert.equal(cmp === 0, a.equals(b))
        assert.equal(cmp, Math.sign(Number(a.num * b.den - b.num * a.den)))
      }),
    )
  })
})

describe('rounding in the name', () => {
  test('examples', () => {
    assert.equal(mulDivFloor(10n, 1n, 3n), 3n)
    assert.equal(mulDivCeil(10n, 1n, 3n), 4n)
    assert.equal(mulDivCeil(9n, 1n, 3n), 3n)
    assert.equal(divFloor(-7n, 2n), -4n)
    assert.equal(divCeil(-7n, 2n), -3n)
    assert.equal(applyFloor(1000n, Ratio.fromDecimal('0.92')), 920n)
    assert.equal(applyFloor(1n, Ratio.fromDecimal('0.92')), 0n)
    assert.equal(applyCeil(1n, Ratio.fromDecimal('0.92')), 1n)
    assert.equal(applyFloor(U64_MAX, Ratio.from(2n)), U64_MAX * 2n) // unchecked: the caller checks u64
    assert.equal(code(() => mulDivFloor(1n, 1n, 0n)), 'MONEY_DIVIDE_BY_ZERO')
    assert.equal(code(() => divCeil(1n, -1n)), 'MONEY_DIVIDE_BY_ZERO')
  })

  test('property: floor ≤ exact ≤ ceil, and they differ by at most one', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), u64, positive, (a, n, d) => {
        const lo = mulDivFloor(a, n, d)
        const hi = mulDivCeil(a, n, d)
        assert.ok(lo * d <= a * n && a * n < (lo + 1n) * d)
        assert.ok((hi - 1n) * d < a * n && a * n <= hi * d)
        assert.equal(hi - lo, (a * n) % d === 0n ? 0n : 1n)
      }),
    )
  })

  test('property: applyFloor never pays out more than the rate allows', () => {
    fc.assert(
      fc.property(u64, positiveRatio, (amount, rate) => {
        const out = applyFloor(amount, rate)
        assert.ok(Ratio.from(out).compare(Ratio.from(amount).mul(rate)) <= 0)
        assert.ok(applyCeil(amount, rate) - out <= 1n)
      }),
    )
  })
})
