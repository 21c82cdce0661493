/**
 * Pipeline benchmark (issue 4): Prepare → Fulfill through one connector over loopback links (packets cross as
 * bytes both ways), with the memory ledger and with the durable sqlite ledger (synchronous=FULL, group commit),
 * at 1, 10 and 100 packets in flight. Prints packets/s and p50/p99 forward latency. Every run is bounded by a
 * packet count and a time budget.
 *
 * `npm run bench:pipeline`; `BENCH_MS=<ms per case>` (default 2000), `BENCH_PACKETS=<max per case>` (default 200000).
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createMemoryLedger, createSqliteLedger, type Ledger } from '../src/accounts/index.js'
import { createConnector } from '../src/connector/index.js'
import { IlpPacketType, decodeFulfill, decodePrepare, encodeFulfill, encodePrepare, isFulfill, type IlpPrepare } from '../src/ilp/index.js'
import { createLoopbackLinkPair } from '../src/link/loopback.js'

const MEASURE_MS = Number(process.env.BENCH_MS ?? 2000)
const PACKETS_MAX = Number(process.env.BENCH_PACKETS ?? 200_000)
const WARMUP_PACKETS = 2_000
const IN_FLIGHT = [1, 10, 100]

const fulfillment = new Uint8Array(32).fill(7)
const condition = new Uint8Array(createHash('sha256').update(fulfillment).digest())
/** Decoded from bytes so it carries RAW, as a packet off a socket does; the receiver's reply likewise. */
const fulfill = decodeFulfill(encodeFulfill({ fulfillment, data: new Uint8Array(0) }))

function prepareFor(expiresAt: Date): IlpPrepare {
  return decodePrepare(
    encodePrepare({
      amount: 1000n,
      expiresAt,
      executionCondition: condition,
      destination: 'test.node.bob.stream.abcdefghijklmnopqrstuvwxyz',
      data: new Uint8Array(100).fill(1),
    }),
  )
}

interface Result {
  readonly packets: number
  readonly perSecond: number
  readonly p50Us: number
  readonly p99Us: number
}

async function run(ledger: Ledger, inFlight: number, budgetMs: number, packetsMax: number): Promise<Result> {
  const connector = createConnector({ address: 'test.node', assetCode: 'USD', assetScale: 2, ledger })
  const [aliceEnd, nodeFromAlice] = createLoopbackLinkPair()
  const [nodeToBob, bobEnd] = createLoopbackLinkPair()
  connector.addAccount({ id: 'alice', relation: 'child', assetCode: 'USD', assetScale: 2, minBalance: -(1n << 62n) }, nodeFromAlice)
  connector.addAccount({ id: 'bob', relation: 'peer', assetCode: 'USD', assetScale: 2, routes: ['test.node.bob'] }, nodeToBob)
  bobEnd.handle(async () => fulfill)

  const latencies = new Float64Array(packetsMax)
  let sent = 0
  let done = 0
  let failed = 0
  const start = performance.now()
  const deadline = start + budgetMs
  let prepare = prepareFor(new Date(Date.now() + 30_000))

  async function worker(): Promise<void> {
    while (sent < packetsMax && performance.now() < deadline) {
      const i = sent++
      if ((i & 1023) === 0) prepare = prepareFor(new Date(Date.now() + 30_000))
      const t0 = performance.now()
      const reply = await aliceEnd.send(prepare)
      latencies[i] = performance.now() - t0
      if (!isFulfill(reply)) failed++
      done++
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
  const elapsedMs = performance.now() - start
  await connector.close()
  if (failed > 0) throw new Error(`${failed} packets were rejected`)
  const sorted = latencies.subarray(0, done).sort()
  const at = (q: number) => sorted[Math.min(done - 1, Math.floor(q * done))]! * 1000
  return { packets: done, perSecond: (done * 1000) / elapsedMs, p50Us: at(0.5), p99Us: at(0.99) }
}

function row(name: string, inFlight: number, r: Result): string {
  return [
    name.padEnd(22),
    String(inFlight).padStart(9),
    Math.round(r.perSecond).toLocaleString('en-US').padStart(11),
    `${Math.round(r.p50Us).toLocaleString('en-US')} µs`.padStart(11),
    `${Math.round(r.p99Us).toLocaleString('en-US')} µs`.padStart(11),
    r.packets.toLocaleString('en-US').padStart(10),
  ].join('  ')
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ilp-bench-pipeline-'))
  const ledgers: [string, () => Ledger][] = [
    ['memory ledger', () => createMemoryLedger()],
    ['sqlite ledger (FULL)', () => createSqliteLedger({ path: join(dir, `l${Math.random().toString(36).slice(2)}.sqlite`) })],
  ]
  console.log(`pipeline: Prepare→Fulfill through one connector over loopback links (bytes on the wire), ${MEASURE_MS} ms per case`)
  console.log(['ledger'.padEnd(22), 'in flight'.padStart(9), 'packets/s'.padStart(11), 'p50'.padStart(11), 'p99'.padStart(11), 'packets'.padStart(10)].join('  '))
  try {
    for (const [name, make] of ledgers) {
      for (const inFlight of IN_FLIGHT) {
        const ledger = make()
        await run(ledger, inFlight, 1_000, WARMUP_PACKETS) // warm-up, same shape
        const result = await run(ledger, inFlight, MEASURE_MS, PACKETS_MAX)
        const check = await ledger.verify()
        await ledger.close()
        if (!check.ok) throw new Error(`${name}: ledger does not verify after the run`)
        console.log(row(name, inFlight, result))
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  console.log('reference (interop-notes.md, ilp-connector over BTP in 3 processes): 2,037 packets/s at 1 in flight, 5,979 at 100')
}

await main()
