import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { Ratio, U64_MAX } from '../money/index.js'
import { convertAmount, keepAfterSpread } from './fx.js'

const NO_SPREAD = keepAfterSpread(Ratio.ZERO)

describe('convertAmount', () => {
  test('same asset and scale is the identity', () => {
    assert.deepEqual(convertAmount(12345n, Ratio.ONE, 2, 2, NO_SPREAD), { kind: 'ok', amount: 12345n })
  })

  test('applies rate and scale difference exactly, rounding down', () => {
    const eurPerUsd = Ratio.fromDecimal('0.92')
    // 1.00 USD (scale 2) → 0.92 EUR → scale 9 = 920000000
    assert.deepEqual(convertAmount(100n, eurPerUsd, 2, 9, NO_SPREAD), { kind: 'ok', amount: 920_000_000n })
    // 1 cent → 0.0092 EUR at scale 2 = 0.92 → 0
    assert.deepEqual(convertAmount(1n, eurPerUsd, 2, 2, NO_SPREAD), { kind: 'too-small' })
    // 107 cents → 98.44 → 98
    assert.deepEqual(convertAmount(107n, eurPerUsd, 2, 2, NO_SPREAD), { kind: 'ok', amount: 98n })
    // scale down: 123456789 units at scale 9 → scale 2 = 12.3456789 → 12
    assert.deepEqual(convertAmount(123_456_789n, Ratio.ONE, 9, 2, NO_SPREAD), { kind: 'ok', amount: 12n })
  })

  test('a zero amount stays zero (not R01)', () => {
    assert.deepEqual(convertAmount(0n, Ratio.fromDecimal('0.5'), 2, 2, NO_SPREAD), { kind: 'ok', amount: 0n })
  })

  test('the spread is taken off before rounding', () => {
    const keep = keepAfterSpread(Ratio.fromDecimal('0.01'))
    assert.deepEqual(convertAmount(1000n, Ratio.ONE, 0, 0, keep), { kind: 'ok', amount: 990n })
    assert.deepEqual(convertAmount(1001n, Ratio.ONE, 0, 0, keep), { kind: 'ok', amount: 990n }) // 990.99 → 990
    assert.throws(() => keepAfterSpread(Ratio.ONE), RangeError)
  })

  test('overflow reports the largest incoming amount that fits', () => {
    const out = convertAmount(U64_MAX, Ratio.from(3n), 0, 0, NO_SPREAD)
    assert.equal(out.kind, 'overflow')
    if (out.kind !== 'overflow') return
    assert.equal(out.maximumIncoming, U64_MAX / 3n)
    assert.deepEqual(convertAmount(out.maximumIncoming, Ratio.from(3n), 0, 0, NO_SPREAD).kind, 'ok')
    assert.equal(convertAmount(out.maximumIncoming + 1n, Ratio.from(3n), 0, 0, NO_SPREAD).kind, 'overflow')
  })

  test('property: result = ⌊a·r·10^Δ·(1−s)⌋, never more than the exact value', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: U64_MAX }),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.integer({ min: 0, max: 18 }),
        fc.integer({ min: 0, max: 18 }),
        fc.bigInt({ min: 0n, max: 999n }),
        (amount, num, den, fromScale, toScale, spreadPermille) => {
          const rate = Ratio.from(num, den)
          const keep = keepAfterSpread(Ratio.from(spreadPermille, 1000n))
          const out = convertAmount(amount, rate, fromScale, toScale, keep)
          const exactNum = amount * rate.num * keep.num * 10n ** BigInt(Math.max(0, toScale - fromScale))
          const exactDen = rate.den * keep.den * 10n ** BigInt(Math.max(0, fromScale - toScale))
          const floor = exactNum / exactDen
          if (floor > U64_MAX) {
            assert.equal(out.kind, 'overflow')
            if (out.kind === 'overflow') assert.ok(out.maximumIncoming < amount)
          } else if (floor === 0n && amount > 0n) assert.equal(out.kind, 'too-small')
          else assert.deepEqual(out, { kind: 'ok', amount: floor })
        },
      ),
      { numRuns: 500 },
    )
  })
})
