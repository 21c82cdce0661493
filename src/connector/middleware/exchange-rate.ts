/**
 * Applies the exchange rate and the spread (fx.ts): R01 when a non-zero amount rounds to zero, F08 (with its
 * data, in incoming units) when the result overflows a UInt64, T00 naming the pair when the rate is missing
 * or stale.
 */
import { IlpErrorCode, amountTooLarge, reject } from '../../ilp/errors.js'
import type { Ratio } from '../../money/index.js'
import type { NodeIdentity } from '../context.js'
import { convertAmount, keepAfterSpread } from '../fx.js'
import type { RateSource } from '../rates.js'
import type { OutgoingMiddleware } from '../types.js'

export interface ExchangeRateOptions {
  readonly self: NodeIdentity
  readonly rates: RateSource
  /** The node's margin, a fraction in [0, 1) taken off every converted amount. */
  readonly spread: Ratio
}

export function createExchangeRate(options: ExchangeRateOptions): OutgoingMiddleware {
  const { self, rates } = options
  const keep = keepAfterSpread(options.spread)
  return (next) => (request) => {
    const { from, to } = request
    const found = rates.rate(from.assetCode, to.assetCode)
    if (found.kind !== 'ok') return Promise.resolve(reject(IlpErrorCode.T00_INTERNAL_ERROR, self.address, found.message))
    const converted = convertAmount(request.amount, found.rate, from.assetScale, to.assetScale, keep)
    switch (converted.kind) {
      case 'ok':
        request.amount = converted.amount
        request.hop.outgoingAmount = converted.amount
        return next(request)
      case 'too-small':
        return Promise.resolve(
          reject(IlpErrorCode.R01_INSUFFICIENT_SOURCE_AMOUNT, self.address, `${request.amount} ${from.assetCode} converts to less than one unit of ${to.assetCode}`),
        )
      case 'overflow':
        return Promise.resolve(amountTooLarge(self.address, request.amount, converted.maximumIncoming, 'the converted amount exceeds a UInt64'))
    }
  }
}
