/**
 * The node's rate source: the static table from config (replaceable live by PUT /rates) or the HTTP feed of
 * `rates_url`. The connector holds this one object; replacing the table swaps what it delegates to.
 */
import { createHttpRates } from '../connector/rates-http.js'
import { createStaticRates, type RateSource } from '../connector/rates.js'
import type { Logger } from '../connector/context.js'
import type { NodeConfig } from './config.js'
import { NodeError } from './errors.js'

export interface NodeRates extends RateSource {
  readonly kind: 'static' | 'http'
  /** Replaces the static table (PUT /rates). Refused when rates come from rates_url. */
  setTable(rates: Readonly<Record<string, string>>): void
  /** Whole-table view for GET /rates and /health. */
  view(): Record<string, unknown>
}

export function createNodeRates(config: NodeConfig, now: () => number, logger: Logger): NodeRates {
  let table: Readonly<Record<string, string>> = config.rates
  let current: RateSource =
    config.ratesUrl === undefined
      ? createStaticRates(table)
      : createHttpRates({ url: config.ratesUrl, pollIntervalMs: config.ratesPollIntervalMs, maxAgeMs: config.ratesMaxAgeMs, now, logger })
  const kind = config.ratesUrl === undefined ? 'static' : 'http'
  return {
    kind,
    rate: (from, to) => current.rate(from, to),
    snapshot: () => current.snapshot(),
    close: () => current.close(),
    setTable(rates) {
      if (kind === 'http') throw new NodeError('RATES_INVALID', `rates come from rates_url (${config.ratesUrl}); change the feed or the config`, { field: 'rates' })
      let next: RateSource
      try {
        next = createStaticRates(rates)
      } catch (e) {
        throw new NodeError('RATES_INVALID', `rates: ${(e as Error).message}`, { field: 'rates' })
      }
      current = next
      table = rates
    },
    view() {
      const s = current.snapshot()
      return {
        source: kind,
        ...(config.ratesUrl !== undefined && { url: config.ratesUrl }),
        ...(s.base !== undefined && { base: s.base }),
        // The static table as configured (decimal text); a feed's table as exact num/den ratios.
        rates: kind === 'static' ? table : s.rates,
        age_ms: s.ageMs ?? 0,
        stale: s.stale,
        ...(s.lastError !== undefined && { last_error: s.lastError }),
      }
    },
  }
}
