/**
 * Prometheus metrics (prom-client, one registry per node so several nodes can live in one process):
 * packets by outcome and reject code, forward latency, balances (read from the ledger at scrape time),
 * link state and rate-source age. Counting a packet adds to plain numbers (PacketTally); prom-client reads
 * them at scrape time, so the packet path makes no prom-client call (those were ~4% of a router's CPU).
 * Nothing here touches the ledger on the packet path.
 */
import { Counter, Gauge, Registry, type Metric } from 'prom-client'
import type { BalanceSnapshot } from '../accounts/types.js'

/** What the connector reports for each packet it answered (its `observer.onPacket`). */
export interface PacketOutcome {
  readonly outcome: 'fulfilled' | 'rejected'
  /** Reject code (e.g. 'F02'); absent for fulfilled packets. */
  readonly code?: string
  readonly latencyMs: number
}

/** Latency buckets in seconds: a loopback hop is sub-millisecond, a slow peer takes seconds, expiry is ~30 s. */
export const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

const REJECT_CODE = /^[FTR][0-9A-Z]{2}$/

/** A bigint balance as a gauge value: exact for |v| < 2^53, approximate (display only) beyond. */
function gaugeValue(v: bigint): number {
  return Number(v)
}

export interface MetricsSources {
  /** Accounts and their current balances, read at scrape time. */
  balances(): Iterable<{ accountId: string; assetCode: string; snapshot: BalanceSnapshot }>
  /** Link state per account with a link. */
  links(): Iterable<{ accountId: string; connected: boolean }>
  /** Age of the rate data in ms (0 for a static table), and whether it is stale. */
  rates(): { ageMs: number; stale: boolean }
}

export interface NodeMetrics {
  readonly registry: Registry
  onPacket(event: PacketOutcome): void
  /** The Prometheus text exposition. */
  render(): Promise<{ contentType: string; body: string }>
}

/** Latency observations of one outcome: a count per bucket (the last one is +Inf), their sum and count. */
class LatencyTally {
  readonly counts = new Float64Array(LATENCY_BUCKETS_S.length + 1)
  sum = 0
  count = 0

  observe(seconds: number): void {
    let i = 0
    while (i < LATENCY_BUCKETS_S.length && seconds > LATENCY_BUCKETS_S[i]!) i++
    this.counts[i]!++
    this.sum += seconds
    this.count++
  }
}

type MetricValue = { labels: Record<string, string | number>; value: number; metricName: string }

/**
 * `ilp_forward_latency_seconds` as prom-client's registry reads a histogram (cumulative `_bucket` lines, `_sum`,
 * `_count`), built from the tallies at scrape time.
 */
function latencyHistogram(tallies: Record<PacketOutcome['outcome'], LatencyTally>): Metric {
  const name = 'ilp_forward_latency_seconds'
  const metric = {
    name,
    help: 'Time from receiving a Prepare to answering it',
    type: 'histogram',
    aggregator: 'sum',
    get() {
      const values: MetricValue[] = []
      for (const outcome of ['fulfilled', 'rejected'] as const) {
        const tally = tallies[outcome]
        if (tally.count === 0) continue
        let cumulative = 0
        LATENCY_BUCKETS_S.forEach((le, i) => {
          cumulative += tally.counts[i]!
          values.push({ labels: { le, outcome }, value: cumulative, metricName: `${name}_bucket` })
        })
        values.push({ labels: { le: '+Inf', outcome }, value: tally.count, metricName: `${name}_bucket` })
        values.push({ labels: { outcome }, value: tally.sum, metricName: `${name}_sum` })
        values.push({ labels: { outcome }, value: tally.count, metricName: `${name}_count` })
      }
      return { name, help: metric.help, type: metric.type, values, aggregator: metric.aggregator }
    },
  }
  return metric as unknown as Metric
}

export function createMetrics(sources: MetricsSources): NodeMetrics {
  const registry = new Registry()
  let fulfilled = 0
  const rejected = new Map<string, number>()
  const latency = { fulfilled: new LatencyTally(), rejected: new LatencyTally() }
  new Counter({
    name: 'ilp_packets_total',
    help: 'ILP Prepares answered, by outcome and reject code',
    labelNames: ['outcome', 'code'] as const,
    registers: [registry],
    collect() {
      this.reset()
      if (fulfilled > 0) this.inc({ outcome: 'fulfilled', code: '' }, fulfilled)
      for (const [code, n] of rejected) this.inc({ outcome: 'rejected', code }, n)
    },
  })
  registry.registerMetric(latencyHistogram(latency))
  registerScrapeGauges(registry, sources)
  return {
    registry,
    onPacket(event) {
      if (event.outcome === 'fulfilled') fulfilled++
      else {
        // Codes are F/T/R + two characters (RFC 27), anything else counts as 'invalid': the label set is bounded.
        const code = event.code === undefined ? '' : REJECT_CODE.test(event.code) ? event.code : 'invalid'
        rejected.set(code, (rejected.get(code) ?? 0) + 1)
      }
      latency[event.outcome].observe(event.latencyMs / 1000)
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() }
    },
  }
}

function registerScrapeGauges(registry: Registry, sources: MetricsSources): void {
  const balanceGauge = (name: string, help: string, pick: (s: BalanceSnapshot) => bigint) =>
    new Gauge({
      name,
      help,
      labelNames: ['account', 'asset_code'] as const,
      registers: [registry],
      collect() {
        this.reset()
        for (const b of sources.balances()) this.set({ account: b.accountId, asset_code: b.assetCode }, gaugeValue(pick(b.snapshot)))
      },
    })
  balanceGauge('ilp_account_balance', 'Committed balance: what the node owes the peer, in the account asset scale', (s) => s.balance)
  balanceGauge('ilp_account_pending_incoming', 'Reserved by unfulfilled Prepares from the peer', (s) => s.pendingIncoming)
  balanceGauge('ilp_account_pending_outgoing', 'Reserved by unfulfilled Prepares to the peer', (s) => s.pendingOutgoing)
  new Gauge({
    name: 'ilp_link_connected',
    help: '1 while the link of an account can send packets',
    labelNames: ['account'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const l of sources.links()) this.set({ account: l.accountId }, l.connected ? 1 : 0)
    },
  })
  new Gauge({
    name: 'ilp_rates_age_seconds',
    help: 'Age of the exchange-rate data (0 for a static table)',
    registers: [registry],
    collect() {
      this.set(sources.rates().ageMs / 1000)
    },
  })
  new Gauge({
    name: 'ilp_rates_stale',
    help: '1 when the rate data is older than rates_max_age_ms',
    registers: [registry],
    collect() {
      this.set(sources.rates().stale ? 1 : 0)
    },
  })
}
