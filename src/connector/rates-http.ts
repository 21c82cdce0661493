/**
 * Rates polled over HTTP: GET `url` → `{ "base": "USD", "rates": { "USD": 1, "EUR": 0.92 } }`. Numbers are taken
 * as their shortest decimal text (money/decimal.ts), strings exactly. The last good table is kept through
 * failures; once it is older than `maxAgeMs` every lookup answers `stale`.
 */
import { Ratio } from '../money/index.js'
import { parseRateTable, type RateLookup, type RateSnapshot, type RateSource, type RateTable } from './rates.js'

/** Default poll period and staleness bound (ilp-connector polls its backends about once a minute). */
export const RATES_POLL_INTERVAL_MS = 60_000
export const RATES_MAX_AGE_MS = 5 * 60_000
/** Bound on one fetch and on the body we read. */
export const RATES_FETCH_TIMEOUT_MS = 10_000
export const RATES_BODY_MAX_BYTES = 1 << 20

export interface HttpRatesOptions {
  readonly url: string
  readonly pollIntervalMs?: number
  readonly maxAgeMs?: number
  readonly timeoutMs?: number
  readonly now?: () => number
  /** Injected for tests; defaults to the global fetch (undici). */
  readonly fetch?: typeof globalThis.fetch
  /** Poll on a timer (default true). With false, call refresh() yourself. */
  readonly poll?: boolean
  readonly logger?: { warn(obj: object, msg?: string): void }
}

export interface HttpRateSource extends RateSource {
  /** Fetches once now; resolves true when a new table was loaded. Never rejects. */
  refresh(): Promise<boolean>
}

async function readBody(response: Response): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0')
  if (declared > RATES_BODY_MAX_BYTES) throw new Error(`rates body of ${declared} bytes exceeds ${RATES_BODY_MAX_BYTES}`)
  const text = await response.text()
  if (text.length > RATES_BODY_MAX_BYTES) throw new Error(`rates body exceeds ${RATES_BODY_MAX_BYTES} bytes`)
  return text
}

function parseFeed(text: string): RateTable {
  const body = JSON.parse(text) as unknown
  if (typeof body !== 'object' || body === null) throw new Error('rates body is not a JSON object')
  const { base, rates } = body as { base?: unknown; rates?: unknown }
  if (typeof rates !== 'object' || rates === null || Array.isArray(rates)) throw new Error('rates body has no "rates" object')
  if (base !== undefined && typeof base !== 'string') throw new Error('"base" must be a string')
  const table = { ...(rates as Record<string, string | number>) }
  // The base is worth one of itself even when the feed leaves it out.
  if (typeof base === 'string' && table[base] === undefined) table[base] = '1'
  return parseRateTable(table, base)
}

const SAME: RateLookup = Object.freeze({ kind: 'ok', rate: Ratio.ONE })

export function createHttpRates(options: HttpRatesOptions): HttpRateSource {
  const now = options.now ?? Date.now
  const fetchImpl = options.fetch ?? globalThis.fetch
  const maxAgeMs = options.maxAgeMs ?? RATES_MAX_AGE_MS
  const timeoutMs = options.timeoutMs ?? RATES_FETCH_TIMEOUT_MS
  let table: RateTable | undefined
  let updatedAt: number | undefined
  let lastError: string | undefined
  let inFlight: Promise<boolean> | undefined
  let closed = false
  const abort = new AbortController()

  async function load(): Promise<boolean> {
    try {
      const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(timeoutMs)])
      const response = await fetchImpl(options.url, { signal, headers: { accept: 'application/json' } })
      if (!response.ok) throw new Error(`GET ${options.url} answered ${response.status}`)
      const next = parseFeed(await readBody(response))
      table = next
      updatedAt = now()
      lastError = undefined
      return true
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err)
      if (!closed) options.logger?.warn({ err, url: options.url }, 'rates fetch failed; keeping the last good table')
      return false
    }
  }

  function refresh(): Promise<boolean> {
    if (closed) return Promise.resolve(false)
    inFlight ??= load().finally(() => (inFlight = undefined))
    return inFlight
  }

  const timer = options.poll === false ? undefined : setInterval(() => void refresh(), options.pollIntervalMs ?? RATES_POLL_INTERVAL_MS)
  timer?.unref()
  if (options.poll !== false) void refresh()

  function rate(from: string, to: string): RateLookup {
    if (from === to) return SAME
    if (table === undefined || updatedAt === undefined) {
      return { kind: 'missing', message: `no exchange rate for ${from}→${to} (rates not loaded yet${lastError ? `: ${lastError}` : ''})` }
    }
    const ageMs = now() - updatedAt
    if (ageMs > maxAgeMs) {
      return { kind: 'stale', ageMs, message: `exchange rate ${from}→${to} is stale (${Math.round(ageMs / 1000)} s old; max ${Math.round(maxAgeMs / 1000)} s)` }
    }
    return table.lookup(from, to)
  }

  function snapshot(): RateSnapshot {
    const rates: Record<string, string> = {}
    if (table !== undefined) for (const [code, ratio] of table.units) rates[code] = ratio.toString()
    const ageMs = updatedAt === undefined ? undefined : now() - updatedAt
    return { base: table?.base, rates, updatedAt, ageMs, stale: ageMs === undefined || ageMs > maxAgeMs, lastError }
  }

  return {
    rate,
    snapshot,
    refresh,
    close() {
      closed = true
      if (timer !== undefined) clearInterval(timer)
      abort.abort()
    },
  }
}
