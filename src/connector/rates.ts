/**
 * Exchange rates. A table gives, for each asset code, how many whole units of it one unit of a common base is
 * worth (`{ USD: '1', EUR: '0.92' }`: 1 USD = 0.92 EUR); the rate from A to B is table[B] / table[A], an exact
 * Ratio of whole units (asset scales are applied by the connector, see fx.ts). Decimals are parsed exactly.
 *
 * Two sources: a static table from config, and an HTTP source that polls `rates_url` (JSON
 * `{ "base": "USD", "rates": { "EUR": 0.92, ... } }`), keeps the last good table, exposes its age, and answers
 * `stale` once the table is older than `maxAgeMs` (the connector then rejects T00 naming the pair).
 */
import { Ratio, type DecimalInput } from '../money/index.js'

export type RateLookup =
  /** `rate`: whole units of `to` per whole unit of `from`. */
  | { readonly kind: 'ok'; readonly rate: Ratio }
  | { readonly kind: 'missing'; readonly message: string }
  | { readonly kind: 'stale'; readonly message: string; readonly ageMs: number }

export interface RateSnapshot {
  readonly base: string | undefined
  /** Exact rates as `num/den` text (Ratio.toString), per asset code. */
  readonly rates: Readonly<Record<string, string>>
  /** When the table was last loaded (ms on the injected clock), undefined if never. */
  readonly updatedAt: number | undefined
  readonly ageMs: number | undefined
  readonly stale: boolean
  readonly lastError: string | undefined
}

export interface RateSource {
  rate(from: string, to: string): RateLookup
  snapshot(): RateSnapshot
  close(): void
}

/** Asset codes are short identifiers (ISO 4217 or a ticker); bound them so a rates feed cannot bloat memory. */
export const ASSET_CODE_LENGTH_MAX = 16
/** Bound on entries in one rates table. */
export const RATES_MAX = 1_000

const SAME: RateLookup = Object.freeze({ kind: 'ok', rate: Ratio.ONE })

/** An immutable parsed table with its cross rates memoised (one Map lookup per packet after the first). */
export interface RateTable {
  readonly base: string | undefined
  readonly units: ReadonlyMap<string, Ratio>
  lookup(from: string, to: string): RateLookup
}

export function parseRateTable(rates: Readonly<Record<string, DecimalInput>>, base?: string): RateTable {
  const entries = Object.entries(rates)
  if (entries.length > RATES_MAX) throw new RangeError(`rates table has ${entries.length} entries; the maximum is ${RATES_MAX}`)
  const units = new Map<string, Ratio>()
  for (const [code, value] of entries) {
    if (code.length === 0 || code.length > ASSET_CODE_LENGTH_MAX) throw new RangeError(`invalid asset code ${JSON.stringify(code)}`)
    const ratio = Ratio.fromDecimal(value)
    if (ratio.isZero()) throw new RangeError(`rate of ${code} must not be zero`)
    units.set(code, ratio)
  }
  const memo = new Map<string, Map<string, RateLookup>>()
  return {
    base,
    units,
    lookup(from: string, to: string): RateLookup {
      if (from === to) return SAME
      const row = memo.get(from)
      const hit = row?.get(to)
      if (hit !== undefined) return hit
      const fromUnits = units.get(from)
      const toUnits = units.get(to)
      if (fromUnits === undefined || toUnits === undefined) {
        const which = fromUnits === undefined ? from : to
        return { kind: 'missing', message: `no exchange rate for ${from}→${to} (${which} is not in the rates table)` }
      }
      const found: RateLookup = { kind: 'ok', rate: toUnits.div(fromUnits) }
      if (row === undefined) memo.set(from, new Map([[to, found]]))
      else row.set(to, found)
      return found
    },
  }
}

function snapshotOf(table: RateTable | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  if (table !== undefined) for (const [code, ratio] of table.units) out[code] = ratio.toString()
  return out
}

/** Rates from config: never stale. */
export function createStaticRates(rates: Readonly<Record<string, DecimalInput>> = {}, base?: string): RateSource {
  const table = parseRateTable(rates, base)
  return {
    rate: (from, to) => table.lookup(from, to),
    snapshot: () => ({ base, rates: snapshotOf(table), updatedAt: undefined, ageMs: undefined, stale: false, lastError: undefined }),
    close: () => undefined,
  }
}
