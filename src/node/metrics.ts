/**
 * Prometheus metrics (prom-client, one registry per node so several nodes can live in one process):
 * packets by outcome and reject code, forward latency, balances (read from the ledger at scrape time),
 * link state and rate-source age. Counting a packet is two map lookups; nothing here touches the ledger
 * on the packet path.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
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

export function createMetrics(sources: MetricsSources): NodeMetrics {
  const registry = new Registry()
  const packets = new Counter({
    name: 'ilp_packets_total',
    help: 'ILP Prepares answered, by outcome and reject code',
    labelNames: ['outcome', 'code'] as const,
    registers: [registry],
  })
  const latency = new Histogram({
    name: 'ilp_forward_latency_seconds',
    help: 'Time from receiving a Prepare to answering it',
    labelNames: ['outcome'] as const,
    buckets: LATENCY_BUCKETS_S,
    registers: [registry],
  })
  registerScrapeGauges(registry, sources)
  // Label children cached per (outcome, code): the packet path does one Map lookup, not a label hash.
  const counters = new Map<string, { inc(): void }>()
  const histograms = { fulfilled: latency.labels({ outcome: 'fulfilled' }), rejected: latency.labels({ outcome: 'rejected' }) }
  return {
    registry,
    onPacket(event) {
      const code = event.code === undefined ? '' : REJECT_CODE.test(event.code) ? event.code : 'invalid'
      const key = event.outcome === 'fulfilled' ? '' : code
      let counter = counters.get(key)
      if (counter === undefined) {
        counter = packets.labels({ outcome: event.outcome, code })
        // Codes are F/T/R + two characters (RFC 27), anything else counts as 'invalid': the label set is bounded.
        counters.set(key, counter)
      }
      counter.inc()
      histograms[event.outcome].observe(event.latencyMs / 1000)
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
