/**
 * Pipeline benchmark (issue 4). One connector, Prepare bytes in → reply bytes out, the next hop a fulfilling peer
 * reached over an in-process link that carries bytes. Every Prepare has unique data (ilp-connector deduplicates).
 *
 *  1. ours vs ilp-connector 23.0.2 in the same process and run, both with in-memory state and balance
 *     accounting on both accounts, at 1, 10 and 100 packets in flight: packets/s, p50/p99, ratio.
 *  2. ours on the durable sqlite ledger (synchronous=FULL, group commit): what durability costs.
 *
 * Loops are bounded by a packet count and a time budget. `npm run bench:pipeline`;
 * `BENCH_MS=<ms per case>` (default 2000), `BENCH_PACKETS=<max per case>` (default 200000).
 */
import { EventEmitter } from 'node:events'
import { createRequire } from 'node:module'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Writable } from 'node:stream'
import { createMemoryLedger, createSqliteLedger, type Ledger } from '../src/accounts/index.js'
import { createConnector } from '../src/connector/index.js'
import { decodeFulfill, encodeFulfill, encodePrepare } from '../src/ilp/index.js'
import { createLoopbackLinkPair } from '../src/link/loopback.js'

const MEASURE_MS = Number(process.env.BENCH_MS ?? 2000)
const PACKETS_MAX = Number(process.env.BENCH_PACKETS ?? 200_000)
const WARMUP_MS = Math.min(500, MEASURE_MS)
const IN_FLIGHT = [1, 10, 100]
const DATA_LENGTH = 100
const LIMIT = 1_000_000_000_000_000n

const fulfillment = new Uint8Array(32).fill(7)
const condition = new Uint8Array(createHash('sha256').update(fulfillment).digest())
const fulfillBytes = encodeFulfill({ fulfillment, data: new Uint8Array(0) })

/** Sends Prepare bytes into a connector, resolves with the reply bytes. */
type Entry = (prepare: Uint8Array) => Promise<Uint8Array>

interface Target {
  readonly entry: Entry
  close(): Promise<void>
}

interface Result {
  readonly packets: number
  readonly perSecond: number
  readonly p50Us: number
  readonly p99Us: number
}

/** Prepare bytes with a counter in the last 4 data bytes, so every packet is distinct. */
function prepareMaker(): (i: number) => Uint8Array {
  let template: Uint8Array = new Uint8Array(0)
  let madeAt = 0
  return (i) => {
    if (i === 0 || Date.now() - madeAt > 5_000) {
      madeAt = Date.now()
      template = encodePrepare({
        amount: 1000n,
        expiresAt: new Date(madeAt + 30_000),
        executionCondition: condition,
        destination: 'test.node.bob.stream.abcdefghijklmnopqrstuvwxyz',
        data: new Uint8Array(DATA_LENGTH).fill(1),
      })
    }
    const bytes = template.slice()
    new DataView(bytes.buffer).setUint32(bytes.length - 4, i)
    return bytes
  }
}

async function drive(entry: Entry, inFlight: number, budgetMs: number, packetsMax: number): Promise<Result> {
  const make = prepareMaker()
  const latencies = new Float64Array(packetsMax)
  let sent = 0
  let done = 0
  const start = performance.now()
  const deadline = start + budgetMs
  async function worker(): Promise<void> {
    while (sent < packetsMax && performance.now() < deadline) {
      const i = sent++
      const prepare = make(i)
      const t0 = performance.now()
      const reply = await entry(prepare)
      latencies[i] = performance.now() - t0
      if (reply[0] !== 13) throw new Error(`packet ${i} was not fulfilled (type ${reply[0]})`)
      done++
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
  const elapsedMs = performance.now() - start
  const sorted = latencies.subarray(0, done).sort()
  const at = (q: number) => sorted[Math.min(done - 1, Math.floor(q * done))]! * 1000
  return { packets: done, perSecond: (done * 1000) / elapsedMs, p50Us: at(0.5), p99Us: at(0.99) }
}

// ---------------------------------------------------------------------------------------------- ours

function ours(ledger: Ledger): Target {
  const connector = createConnector({ address: 'test.node', assetCode: 'USD', assetScale: 2, ledger })
  const [nodeToBob, bobEnd] = createLoopbackLinkPair() // bytes on the wire, both ways
  connector.addAccount({ id: 'alice', relation: 'child', assetCode: 'USD', assetScale: 2, minBalance: -LIMIT, maxBalance: LIMIT })
  connector.addAccount({ id: 'bob', relation: 'peer', assetCode: 'USD', assetScale: 2, routes: ['test.node.bob'], minBalance: -LIMIT, maxBalance: LIMIT }, nodeToBob)
  const fulfill = decodeFulfill(fulfillBytes)
  bobEnd.handle(async () => fulfill)
  return { entry: (prepare) => connector.handleIncomingBytes('alice', prepare), close: () => connector.close() }
}

// ---------------------------------------------------------------------------------------------- ilp-connector

/** The ILP plugin v2 shape ilp-connector accepts as an account's `plugin` object. */
class MemoryPlugin extends EventEmitter {
  connected = false
  handler: ((data: Buffer) => Promise<Buffer>) | undefined
  constructor(private readonly remote: (data: Buffer) => Promise<Buffer>) {
    super()
  }
  async connect(): Promise<void> {
    this.connected = true
    this.emit('connect')
  }
  async disconnect(): Promise<void> {
    this.connected = false
    this.emit('disconnect')
  }
  isConnected(): boolean {
    return this.connected
  }
  sendData(data: Buffer): Promise<Buffer> {
    return this.remote(data)
  }
  registerDataHandler(handler: (data: Buffer) => Promise<Buffer>): void {
    this.handler = handler
  }
  deregisterDataHandler(): void {
    this.handler = undefined
  }
  async sendMoney(): Promise<void> {}
  registerMoneyHandler(): void {}
  deregisterMoneyHandler(): void {}
}

async function reference(): Promise<Target> {
  // require(), not import: its entry point starts a connector from the environment unless it has a parent module.
  const require = createRequire(import.meta.url)
  const { createApp } = require('ilp-connector') as { createApp: (opts: object) => ReferenceApp }
  // Its logger writes info lines to stdout; send them nowhere so the table stays readable.
  const log = require('ilp-connector/dist/common/log') as { setOutputStream(stream: NodeJS.WritableStream): void }
  log.setOutputStream(new Writable({ write: (_chunk, _encoding, done) => done() }))
  const ilpPacket = (await import('ilp-packet')).default
  const fulfill = Buffer.from(fulfillBytes)
  const peerReject = ilpPacket.serializeIlpReject({ code: 'F02', triggeredBy: 'test.bob', message: '', data: Buffer.alloc(0) })
  // The peer decodes what it gets, as a real one would; route-control probes from the connector get F02.
  const bob = new MemoryPlugin(async (data) => (ilpPacket.deserializeIlpPrepare(data).destination.startsWith('peer.') ? peerReject : fulfill))
  const alice = new MemoryPlugin(async () => peerReject)
  const balance = { minimum: (-LIMIT).toString(), maximum: LIMIT.toString() }
  const app = createApp({
    ilpAddress: 'test.node',
    backend: 'one-to-one',
    spread: 0,
    store: 'memory',
    adminApi: false,
    disableMiddleware: ['rateLimit'], // its default 10,000 packets per minute would T05 the run
    accounts: {
      alice: { relation: 'child', assetCode: 'USD', assetScale: 2, plugin: alice, balance },
      bob: { relation: 'peer', assetCode: 'USD', assetScale: 2, plugin: bob, balance },
    },
    routes: [{ targetPrefix: 'test.node.bob', peerId: 'bob' }],
  })
  await app.listen()
  return { entry: (prepare) => alice.handler!(Buffer.from(prepare.buffer, prepare.byteOffset, prepare.byteLength)), close: () => app.shutdown() }
}

interface ReferenceApp {
  listen(): Promise<void>
  shutdown(): Promise<void>
}

// ---------------------------------------------------------------------------------------------- report

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

function header(): string {
  return ['case'.padEnd(28), 'in flight'.padStart(9), 'packets/s'.padStart(10), 'p50'.padStart(10), 'p99'.padStart(10), 'packets'.padStart(9), 'ratio'.padStart(7)].join('  ')
}

function row(name: string, inFlight: number, r: Result, ratio?: number): string {
  return [
    name.padEnd(28),
    String(inFlight).padStart(9),
    fmt(r.perSecond).padStart(10),
    `${fmt(r.p50Us)} µs`.padStart(10),
    `${fmt(r.p99Us)} µs`.padStart(10),
    fmt(r.packets).padStart(9),
    (ratio === undefined ? '' : `${ratio.toFixed(1)}×`).padStart(7),
  ].join('  ')
}

async function measure(make: () => Promise<Target> | Target, inFlight: number): Promise<Result> {
  const target = await make()
  try {
    await drive(target.entry, inFlight, WARMUP_MS, PACKETS_MAX)
    return await drive(target.entry, inFlight, MEASURE_MS, PACKETS_MAX)
  } finally {
    await target.close()
  }
}

async function main(): Promise<void> {
  console.log(`pipeline: one connector, Prepare bytes in → reply bytes out, peer over an in-process link; ${MEASURE_MS} ms per case`)
  console.log(header())
  for (const inFlight of IN_FLIGHT) {
    const ledger = createMemoryLedger()
    const mine = await measure(() => ours(ledger), inFlight)
    if (!(await ledger.verify()).ok) throw new Error('memory ledger does not verify after the run')
    await ledger.close()
    const ref = await measure(reference, inFlight)
    console.log(row('ours, memory ledger', inFlight, mine, mine.perSecond / ref.perSecond))
    console.log(row('ilp-connector 23.0.2, memory', inFlight, ref))
  }

  const dir = mkdtempSync(join(tmpdir(), 'ilp-bench-pipeline-'))
  try {
    for (const inFlight of IN_FLIGHT) {
      const ledger = createSqliteLedger({ path: join(dir, `ledger-${inFlight}.sqlite`) })
      const result = await measure(() => ours(ledger), inFlight)
      if (!(await ledger.verify()).ok) throw new Error('sqlite ledger does not verify after the run')
      await ledger.close()
      console.log(row('ours, sqlite ledger (FULL)', inFlight, result))
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
