import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createMetrics } from './metrics.js'

const sources = { balances: () => [], links: () => [], rates: () => ({ ageMs: 0, stale: false }) }

test('packet counts and latency buckets are tallied in plain numbers and exposed at scrape time', async () => {
  const metrics = createMetrics(sources)
  const before = (await metrics.render()).body
  assert.doesNotMatch(before, /^ilp_packets_total\{/m)
  assert.doesNotMatch(before, /^ilp_forward_latency_seconds_count/m)
  metrics.onPacket({ outcome: 'fulfilled', latencyMs: 0.3 })
  metrics.onPacket({ outcome: 'fulfilled', latencyMs: 3 })
  metrics.onPacket({ outcome: 'rejected', code: 'F02', latencyMs: 40_000 })
  metrics.onPacket({ outcome: 'rejected', code: 'not a code', latencyMs: 1 })
  const text = (await metrics.render()).body
  assert.match(text, /^ilp_packets_total\{outcome="fulfilled",code=""\} 2$/m)
  assert.match(text, /^ilp_packets_total\{outcome="rejected",code="F02"\} 1$/m)
  assert.match(text, /^ilp_packets_total\{outcome="rejected",code="invalid"\} 1$/m)
  assert.match(text, /^ilp_forward_latency_seconds_bucket\{le="0.0005",outcome="fulfilled"\} 1$/m)
  assert.match(text, /^ilp_forward_latency_seconds_bucket\{le="0.0025",outcome="fulfilled"\} 1$/m)
  assert.match(text, /^ilp_forward_latency_seconds_bucket\{le="0.005",outcome="fulfilled"\} 2$/m)
  assert.match(text, /^ilp_forward_latency_seconds_bucket\{le="30",outcome="rejected"\} 1$/m)
  assert.match(text, /^ilp_forward_latency_seconds_bucket\{le="\+Inf",outcome="rejected"\} 2$/m)
  assert.match(text, /^ilp_forward_latency_seconds_sum\{outcome="fulfilled"\} 0.0033$/m)
  assert.match(text, /^ilp_forward_latency_seconds_count\{outcome="rejected"\} 2$/m)
  // A second scrape reports the same totals (nothing is reset by reading).
  assert.equal((await metrics.render()).body, text)
})
